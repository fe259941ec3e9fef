// The attention key/value cache of one sequence: per layer, n_ctx rows of
// n_embd_kv floats for K and for V (row p holds position p).
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"

namespace herd {

struct KvCacheParams {
  int32_t n_layer = 0;
  int32_t n_ctx = 0;
  int32_t n_embd_kv = 0;  // n_head_kv * head_dim
};

class KvCache {
 public:
  static Result<KvCache> create(const KvCacheParams& params);

  int32_t n_ctx() const { return params_.n_ctx; }
  int32_t n_embd_kv() const { return params_.n_embd_kv; }

  float* k(int32_t layer, int32_t pos) { return row(k_, layer, pos); }
  float* v(int32_t layer, int32_t pos) { return row(v_, layer, pos); }
  const float* k(int32_t layer, int32_t pos) const { return row(k_, layer, pos); }
  const float* v(int32_t layer, int32_t pos) const { return row(v_, layer, pos); }

 private:
  explicit KvCache(const KvCacheParams& params);
  float* row(std::vector<float>& buf, int32_t layer, int32_t pos) {
    return buf.data() + (static_cast<size_t>(layer) * params_.n_ctx + pos) * params_.n_embd_kv;
  }
  const float* row(const std::vector<float>& buf, int32_t layer, int32_t pos) const {
    return buf.data() + (static_cast<size_t>(layer) * params_.n_ctx + pos) * params_.n_embd_kv;
  }

  KvCacheParams params_;
  std::vector<float> k_;
  std::vector<float> v_;
};

}  // namespace herd
