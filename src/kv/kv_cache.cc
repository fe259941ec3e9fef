#include "kv/kv_cache.h"

#include <unistd.h>

#include <algorithm>
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

KvCache::KvCache(const KvCacheParams& params, int32_t block_shift) : params_(params), block_shift_(block_shift) {}

Result<KvCache> KvCache::create(const KvCacheParams& params) {
  if (params.n_layer <= 0 || params.n_blocks <= 0 || params.n_embd_kv <= 0 || params.block_size <= 0) {
    return invalid_argument("kv cache needs positive n_layer, n_blocks, block_size and n_embd_kv");
  }
  if ((params.block_size & (params.block_size - 1)) != 0 || params.block_size > 4096) {
    return invalid_argument("kv block size must be a power of two up to 4096, not " +
                            std::to_string(params.block_size));
  }
  const uint64_t rows = static_cast<uint64_t>(params.n_blocks) * static_cast<uint64_t>(params.block_size);
  auto per_layer = checked_mul(rows, static_cast<uint64_t>(params.n_embd_kv));
  auto total = per_layer ? checked_mul(*per_layer, static_cast<uint64_t>(params.n_layer)) : std::nullopt;
  if (!total || *total > (uint64_t{1} << 36)) {
    return resource_exhausted("kv cache of " + std::to_string(rows) + " positions is too large");
  }
  // A cache past physical memory cannot work; asking for it anyway can kill the process
  // (overcommit, sanitizers) instead of throwing bad_alloc.
  const uint64_t bytes = *total * 2 * sizeof(float);  // K and V; *total <= 2^36, no overflow
  if (bytes > physical_memory_bytes()) {
    return resource_exhausted("kv cache of " + std::to_string(rows) + " positions needs " +
                              std::to_string(bytes >> 20) + " MiB, more than this machine's memory");
  }
  int32_t shift = 0;
  while ((1 << shift) < params.block_size) ++shift;
  KvCache cache(params, shift);
  try {
    cache.k_.assign(*total, 0.0f);
    cache.v_.assign(*total, 0.0f);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory allocating the kv cache (" + std::to_string(rows) + " positions)");
  }
  return cache;
}

void KvCache::copy_block(int32_t src, int32_t dst) {
  const size_t n = static_cast<size_t>(block_stride());
  for (int32_t l = 0; l < params_.n_layer; ++l) {
    std::copy_n(k(l, src, 0), n, k(l, dst, 0));
    std::copy_n(v(l, src, 0), n, v(l, dst, 0));
  }
}

}  // namespace herd
