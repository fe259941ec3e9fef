#include "base/cpu_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace herd {
namespace {

// The "flags" line of /proc/cpuinfo (Linux reports what both the CPU and kernel support).
std::set<std::string> proc_cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST(CpuFeaturesTest, CachedEqualsFreshDetection) {
  const CpuFeatures a = detect_cpu_features();
  const CpuFeatures& b = cpu_features();
  EXPECT_EQ(a.to_string(), b.to_string());
  EXPECT_EQ(&b, &cpu_features());
}

TEST(CpuFeaturesTest, AgreesWithProcCpuinfo) {
  const std::set<std::string> flags = proc_cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags here";
  const CpuFeatures& f = cpu_features();
  const auto has = [&](const char* name) { return flags.count(name) > 0; };
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.f16c, has("f16c"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512vnni, has("avx512_vnni"));
  EXPECT_EQ(f.avx512bf16, has("avx512_bf16"));
  EXPECT_EQ(f.avx_vnni, has("avx_vnni"));
}

TEST(CpuFeaturesTest, ToStringNamesEverySetFlag) {
  CpuFeatures f;
  EXPECT_EQ(f.to_string(), "");
  f.avx2 = true;
  f.avx512vnni = true;
  EXPECT_EQ(f.to_string(), "avx2 avx512vnni");
}

}  // namespace
}  // namespace herd
