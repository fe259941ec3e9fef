#include "kv/kv_cache.h"

#include <unistd.h>

#include <new>
#include <string>

#include "base/checked_math.h"

namespace herd {
namespace {

// Bytes of RAM in the machine; UINT64_MAX when the system will not say.
uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return UINT64_MAX;
  return checked_mul(static_cast<uint64_t>(pages), static_cast<uint64_t>(page_size)).value_or(UINT64_MAX);
}

}  // namespace

KvCache::KvCache(const KvCacheParams& params) : params_(params) {}

Result<KvCache> KvCache::create(const KvCacheParams& params) {
  if (params.n_layer <= 0 || params.n_ctx <= 0 || params.n_embd_kv <= 0) {
    return invalid_argument("kv cache needs positive n_layer, n_ctx and n_embd_kv");
  }
  auto per_layer = checked_mul(static_cast<uint64_t>(params.n_ctx), static_cast<uint64_t>(params.n_embd_kv));
  auto total = per_layer ? checked_mul(*per_layer, static_cast<uint64_t>(params.n_layer)) : std::nullopt;
  if (!total || *total > (uint64_t{1} << 36)) {
    return resource_exhausted("kv cache of n_ctx " + std::to_string(params.n_ctx) + " is too large");
  }
  // A cache past physical memory cannot work; asking for it anyway can kill the process
  // (overcommit, sanitizers) instead of throwing bad_alloc.
  const uint64_t bytes = *total * 2 * sizeof(float);  // K and V; *total <= 2^36, no overflow
  if (bytes > physical_memory_bytes()) {
    return resource_exhausted("kv cache of n_ctx " + std::to_string(params.n_ctx) + " needs " +
                              std::to_string(bytes >> 20) + " MiB, more than this machine's memory");
  }
  KvCache cache(params);
  try {
    cache.k_.assign(*total, 0.0f);
    cache.v_.assign(*total, 0.0f);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory allocating the kv cache (n_ctx " + std::to_string(params.n_ctx) + ")");
  }
  return cache;
}

}  // namespace herd
