#include "kv/kv_cache.h"

#include <new>
#include <string>

#include "base/checked_math.h"

namespace herd {

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
