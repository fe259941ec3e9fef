// The instruction-set extensions of the CPU herd runs on, as far as both the CPU and
// the operating system support them (AVX state saved by the OS, read through XGETBV).
#pragma once

#include <string>

namespace herd {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx_vnni = false;

  // "avx2 fma f16c avx512f ..." (the flags that are set), for logs and `herd info`.
  std::string to_string() const;
};

// Detected once (thread-safe) and cached. All false on a CPU that is not x86-64.
const CpuFeatures& cpu_features();

// Detects again, without the cache (tests).
CpuFeatures detect_cpu_features();

}  // namespace herd
