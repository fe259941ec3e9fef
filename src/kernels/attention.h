// Attention of one query head over a span of cached keys and values.
#pragma once

#include <cstdint>

namespace herd {

// The cached rows one query head attends to. Key j (first <= j < first + n_keys) is
// the head_dim floats at k + j * k_stride; its value at v + j * v_stride. Strides are
// in floats, so k and v may point into an interleaved cache row at the head's offset
// (e.g. k = cache.k(layer, 0) + kv_head * head_dim, k_stride = n_embd_kv).
struct AttentionSpan {
  const float* k = nullptr;
  int64_t k_stride = 0;
  const float* v = nullptr;
  int64_t v_stride = 0;
  int64_t first = 0;   // first key attended (a sliding window starts past 0)
  int64_t n_keys = 0;  // keys first .. first + n_keys - 1 (causal: up to the own position)
  int32_t head_dim = 0;
  float scale = 1.0f;     // score = scale * q.k
  float soft_cap = 0.0f;  // > 0: score = soft_cap * tanh(score / soft_cap) (gemma2)
};

// out[0 .. head_dim) = sum_j softmax(score)_j * v_j. Keys are visited in blocks with an
// online (running max) softmax, so no score buffer of n_ctx floats is needed. With
// n_keys == 0 out is all zeros. q and out are head_dim floats and must not overlap.
// Dispatches to the fastest variant chosen at start-up (see kernel_table.h).
void attention_head(const float* q, const AttentionSpan& span, float* out);

// The scalar reference twin (same contract).
void attention_head_ref(const float* q, const AttentionSpan& span, float* out);

}  // namespace herd
