#include "kv/kv_budget.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "kv/kv_cache.h"

namespace herd {

uint64_t kv_bytes_per_token(int32_t n_layer, int64_t n_embd_kv, DType type_k, DType type_v) {
  return (kv_row_bytes(type_k, n_embd_kv) + kv_row_bytes(type_v, n_embd_kv)) * static_cast<uint64_t>(n_layer);
}

uint64_t available_memory_bytes() {
  if (FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
        found = true;
        break;
      }
    }
    std::fclose(f);
    if (found) return static_cast<uint64_t>(kib) * 1024;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return UINT64_MAX;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

uint64_t default_kv_budget(uint64_t wanted, uint64_t model_bytes, uint64_t available) {
  if (available == UINT64_MAX) return wanted;
  const uint64_t left = available > model_bytes ? available - model_bytes : 0;
  return std::min(wanted, static_cast<uint64_t>(static_cast<double>(left) * kKvShareOfFree));
}

}  // namespace herd
