#include "base/read_bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace herd {
namespace {

// Reads n words as kStreams interleaved sequential streams: one stream per core
// leaves the memory system idle between prefetches, while the matmul kernels read many
// weight rows at once; several streams measure what the memory can really deliver.
constexpr size_t kStreams = 8;

uint64_t sum_words(const uint64_t* p, size_t n) {
  const size_t len = n / kStreams;
  uint64_t s[kStreams] = {};
  for (size_t i = 0; i < len; i += 2) {
    for (size_t k = 0; k < kStreams; ++k) {
      const uint64_t* q = p + k * len + i;
      s[k] += q[0] ^ (i + 1 < len ? q[1] : 0);
    }
  }
  for (size_t i = kStreams * len; i < n; ++i) s[0] += p[i];
  uint64_t total = 0;
  for (uint64_t v : s) total += v;
  return total;
}

}  // namespace

double measure_read_bandwidth(ThreadPool& pool, size_t bytes, int rounds) {
  const size_t n = std::max<size_t>(bytes / sizeof(uint64_t), 1024);
  std::vector<uint64_t> buf(n);
  for (size_t i = 0; i < n; ++i) buf[i] = i;
  std::atomic<uint64_t> sink{0};  // keeps the sums alive
  std::vector<double> rates;
  for (int r = 0; r < std::max(rounds, 1); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.run([&](int ith, int nth) {
      const size_t per = (n + static_cast<size_t>(nth) - 1) / static_cast<size_t>(nth);
      const size_t begin = std::min(n, per * static_cast<size_t>(ith));
      const size_t end = std::min(n, begin + per);
      sink.fetch_add(sum_words(buf.data() + begin, end - begin), std::memory_order_relaxed);
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > 0) rates.push_back(static_cast<double>(n * sizeof(uint64_t)) / secs);
  }
  if (rates.empty()) return 0.0;
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2] + static_cast<double>(sink.load() & 0);
}

}  // namespace herd
