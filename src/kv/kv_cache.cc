#include "kv/kv_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "base/checked_math.h"
#include "kernels/attention.h"
#include "tensor/half.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

// Bytes of RAM in the machine; UINT64_MAX when the system will not say.
uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return UINT64_MAX;
  return checked_mul(static_cast<uint64_t>(pages), static_cast<uint64_t>(page_size)).value_or(UINT64_MAX);
}

void write_row(DType type, const float* src, void* dst, int64_t n) {
  switch (type) {
    case DType::kF32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); break;
    case DType::kF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = f32_to_fp16(src[i]);
      break;
    }
    default: quantize_row_ref(type, src, dst, n); break;
  }
}

}  // namespace

std::optional<DType> kv_type_from_name(std::string_view name) {
  if (name == "f32") return DType::kF32;
  if (name == "f16") return DType::kF16;
  if (name == "q8_0") return DType::kQ8_0;
  return std::nullopt;
}

std::string_view kv_type_name(DType type) {
  switch (type) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kQ8_0: return "q8_0";
    default: return "?";
  }
}

uint64_t kv_row_bytes(DType type, int64_t n) {
  const auto un = static_cast<uint64_t>(n);
  switch (type) {
    case DType::kF16: return un * 2;
    case DType::kQ8_0: return un / 32 * 34;
    default: return un * 4;
  }
}

void KvUnmap::operator()(uint8_t* p) const {
  if (p != nullptr) munmap(p, bytes);
}

KvCache::KvCache(const KvCacheParams& params, int32_t block_shift) : params_(params), block_shift_(block_shift) {}

Result<KvCache> KvCache::create(const KvCacheParams& params) {
  if (params.n_layer <= 0 || params.n_blocks <= 0 || params.n_embd_kv <= 0 || params.block_size <= 0) {
    return invalid_argument("kv cache needs positive n_layer, n_blocks, block_size and n_embd_kv");
  }
  if ((params.block_size & (params.block_size - 1)) != 0 || params.block_size > 4096) {
    return invalid_argument("kv block size must be a power of two up to 4096, not " +
                            std::to_string(params.block_size));
  }
  if (!is_kv_dtype(params.type_k) || !is_kv_dtype(params.type_v)) {
    return invalid_argument("kv cache type must be f32, f16 or q8_0");
  }
  if ((params.type_k == DType::kQ8_0 || params.type_v == DType::kQ8_0) && params.n_embd_kv % 32 != 0) {
    return invalid_argument("a q8_0 kv cache needs rows of whole 32-element blocks, not " +
                            std::to_string(params.n_embd_kv));
  }
  const uint64_t rows = static_cast<uint64_t>(params.n_blocks) * static_cast<uint64_t>(params.block_size);
  auto per_layer = checked_mul(rows, static_cast<uint64_t>(params.n_embd_kv));
  auto total = per_layer ? checked_mul(*per_layer, static_cast<uint64_t>(params.n_layer)) : std::nullopt;
  if (!total || *total > (uint64_t{1} << 36)) {
    return resource_exhausted("kv cache of " + std::to_string(rows) + " positions is too large");
  }
  int32_t shift = 0;
  while ((1 << shift) < params.block_size) ++shift;
  KvCache cache(params, shift);
  cache.row_k_ = kv_row_bytes(params.type_k, params.n_embd_kv);
  cache.row_v_ = kv_row_bytes(params.type_v, params.n_embd_kv);
  // *total <= 2^36 elements of at most 4 bytes each: no overflow below.
  cache.bytes_per_block_ = (cache.row_k_ + cache.row_v_) * static_cast<uint64_t>(params.block_size) *
                           static_cast<uint64_t>(params.n_layer);
  const uint64_t k_bytes = cache.row_k_ * rows * static_cast<uint64_t>(params.n_layer);
  const uint64_t bytes = k_bytes + cache.row_v_ * rows * static_cast<uint64_t>(params.n_layer);
  // A pool past physical memory cannot be filled; refuse it rather than be killed later.
  if (bytes > physical_memory_bytes()) {
    return resource_exhausted("kv cache of " + std::to_string(rows) + " positions needs " +
                              std::to_string(bytes >> 20) + " MiB, more than this machine's memory");
  }
  // Address space only: pages are committed (zeroed) when a block is first written.
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return resource_exhausted("out of memory reserving the kv cache (" + std::to_string(rows) + " positions)");
  }
  cache.memory_ = std::unique_ptr<uint8_t, KvUnmap>(static_cast<uint8_t*>(p), KvUnmap{bytes});
  cache.k_base_ = cache.memory_.get();
  cache.v_base_ = cache.k_base_ + k_bytes;
  return cache;
}

void KvCache::write_k(int32_t layer, int32_t block, int32_t row, const float* src) {
  write_row(params_.type_k, src, k(layer, block, row), params_.n_embd_kv);
}

void KvCache::write_v(int32_t layer, int32_t block, int32_t row, const float* src) {
  write_row(params_.type_v, src, v(layer, block, row), params_.n_embd_kv);
}

void KvCache::read_k(int32_t layer, int32_t block, int32_t row, float* dst) const {
  dequantize_row_ref(params_.type_k, k(layer, block, row), dst, params_.n_embd_kv);
}

void KvCache::read_v(int32_t layer, int32_t block, int32_t row, float* dst) const {
  dequantize_row_ref(params_.type_v, v(layer, block, row), dst, params_.n_embd_kv);
}

void KvCache::copy_block(int32_t src, int32_t dst) {
  const size_t nk = row_k_ * static_cast<size_t>(params_.block_size);
  const size_t nv = row_v_ * static_cast<size_t>(params_.block_size);
  for (int32_t l = 0; l < params_.n_layer; ++l) {
    std::memcpy(k(l, dst, 0), k(l, src, 0), nk);
    std::memcpy(v(l, dst, 0), v(l, src, 0), nv);
  }
}

}  // namespace herd
