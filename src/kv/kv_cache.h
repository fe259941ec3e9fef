// The attention key/value cache, in fixed-size blocks: per layer, n_blocks blocks of
// block_size rows of n_embd_kv floats, for K and for V. A sequence's positions map to
// blocks through its block table (position p lives in block table[p / block_size] at
// row p % block_size), so sequences can share blocks (prefix caching) and grow
// without moving. One sequence alone uses blocks 0, 1, 2, ... in order.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"

namespace herd {

struct KvCacheParams {
  int32_t n_layer = 0;
  int32_t n_embd_kv = 0;   // n_head_kv * head_dim
  int32_t n_blocks = 0;
  int32_t block_size = 16;  // rows per block: a power of two
};

class KvCache {
 public:
  static Result<KvCache> create(const KvCacheParams& params);

  int32_t n_embd_kv() const { return params_.n_embd_kv; }
  int32_t n_blocks() const { return params_.n_blocks; }
  int32_t block_size() const { return params_.block_size; }
  int32_t block_shift() const { return block_shift_; }
  int64_t n_rows() const { return static_cast<int64_t>(params_.n_blocks) * params_.block_size; }
  // Floats from one block to the next within a layer.
  int64_t block_stride() const { return static_cast<int64_t>(params_.block_size) * params_.n_embd_kv; }

  float* k(int32_t layer, int32_t block, int32_t row) { return k_.data() + offset(layer, block, row); }
  float* v(int32_t layer, int32_t block, int32_t row) { return v_.data() + offset(layer, block, row); }
  const float* k(int32_t layer, int32_t block, int32_t row) const { return k_.data() + offset(layer, block, row); }
  const float* v(int32_t layer, int32_t block, int32_t row) const { return v_.data() + offset(layer, block, row); }

  // Copies block src over block dst in every layer, K and V (copy-on-write).
  void copy_block(int32_t src, int32_t dst);

 private:
  KvCache(const KvCacheParams& params, int32_t block_shift);
  size_t offset(int32_t layer, int32_t block, int32_t row) const {
    return (static_cast<size_t>(layer) * params_.n_blocks + static_cast<size_t>(block)) *
               static_cast<size_t>(block_stride()) +
           static_cast<size_t>(row) * static_cast<size_t>(params_.n_embd_kv);
  }

  KvCacheParams params_;
  int32_t block_shift_ = 0;
  std::vector<float> k_;
  std::vector<float> v_;
};

}  // namespace herd
