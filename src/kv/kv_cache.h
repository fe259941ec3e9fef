// The attention key/value cache, in fixed-size blocks: per layer, n_blocks blocks of
// block_size rows of n_embd_kv elements, for K and for V. A sequence's positions map to
// blocks through its block table (position p lives in block table[p / block_size] at
// row p % block_size), so sequences can share blocks (prefix caching) and grow
// without moving. One sequence alone uses blocks 0, 1, 2, ... in order.
//
// Rows are stored as F16 (the default, as llama.cpp), Q8_0 (blocks of 32 elements:
// n_embd_kv and every head's offset must be multiples of 32) or F32, chosen separately
// for K and V; rows are written from floats and the attention kernels read them as
// they are (kernels/attention.h).
//
// The pool is a reservation of address space for all n_blocks (the memory budget),
// committed page by page as blocks are first written: a block's address never changes,
// and memory grows with the blocks in use (the block allocator hands out low ids first).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "tensor/dtype.h"

namespace herd {

struct KvCacheParams {
  int32_t n_layer = 0;
  int32_t n_embd_kv = 0;   // n_head_kv * head_dim
  int32_t n_blocks = 0;
  int32_t block_size = 16;  // rows per block: a power of two
  DType type_k = DType::kF16;
  DType type_v = DType::kF16;
};

// "f32", "f16", "q8_0" (llama.cpp's --cache-type names) -> the type; nullopt otherwise.
std::optional<DType> kv_type_from_name(std::string_view name);
std::string_view kv_type_name(DType type);  // the inverse; "?" for other types
// Bytes of one row of n elements of a KV type (n a multiple of 32 for Q8_0).
uint64_t kv_row_bytes(DType type, int64_t n);

// Unmaps the pool's reservation.
struct KvUnmap {
  uint64_t bytes = 0;
  void operator()(uint8_t* p) const;
};

class KvCache {
 public:
  static Result<KvCache> create(const KvCacheParams& params);

  int32_t n_layer() const { return params_.n_layer; }
  int32_t n_embd_kv() const { return params_.n_embd_kv; }
  int32_t n_blocks() const { return params_.n_blocks; }
  int32_t block_size() const { return params_.block_size; }
  int32_t block_shift() const { return block_shift_; }
  DType type_k() const { return params_.type_k; }
  DType type_v() const { return params_.type_v; }
  int64_t n_rows() const { return static_cast<int64_t>(params_.n_blocks) * params_.block_size; }
  // Elements from one block to the next within a layer (K and V alike).
  int64_t block_stride() const { return static_cast<int64_t>(params_.block_size) * params_.n_embd_kv; }
  // Bytes one block takes in all layers, K and V: what the pool grows by.
  uint64_t bytes_per_block() const { return bytes_per_block_; }
  // Bytes of the whole pool when every block is in use (the reservation).
  uint64_t capacity_bytes() const { return bytes_per_block_ * static_cast<uint64_t>(params_.n_blocks); }

  // Row `row` of block `block` in a layer, in the cache's own type.
  void* k(int32_t layer, int32_t block, int32_t row) { return k_base_ + offset(row_k_, layer, block, row); }
  void* v(int32_t layer, int32_t block, int32_t row) { return v_base_ + offset(row_v_, layer, block, row); }
  const void* k(int32_t layer, int32_t block, int32_t row) const { return k_base_ + offset(row_k_, layer, block, row); }
  const void* v(int32_t layer, int32_t block, int32_t row) const { return v_base_ + offset(row_v_, layer, block, row); }

  // Stores n_embd_kv floats as the row (rounded to F16, or quantized to Q8_0).
  void write_k(int32_t layer, int32_t block, int32_t row, const float* src);
  void write_v(int32_t layer, int32_t block, int32_t row, const float* src);
  // The row as n_embd_kv floats (tests, debugging).
  void read_k(int32_t layer, int32_t block, int32_t row, float* dst) const;
  void read_v(int32_t layer, int32_t block, int32_t row, float* dst) const;

  // Copies block src over block dst in every layer, K and V (copy-on-write).
  void copy_block(int32_t src, int32_t dst);

 private:
  KvCache(const KvCacheParams& params, int32_t block_shift);
  size_t offset(uint64_t row_bytes, int32_t layer, int32_t block, int32_t row) const {
    return ((static_cast<size_t>(layer) * params_.n_blocks + static_cast<size_t>(block)) * params_.block_size +
            static_cast<size_t>(row)) *
           row_bytes;
  }

  KvCacheParams params_;
  int32_t block_shift_ = 0;
  uint64_t row_k_ = 0, row_v_ = 0;  // bytes of one row
  uint64_t bytes_per_block_ = 0;
  std::unique_ptr<uint8_t, KvUnmap> memory_;  // K of every layer, then V of every layer
  uint8_t* k_base_ = nullptr;
  uint8_t* v_base_ = nullptr;
};

}  // namespace herd
