#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention.h"
#include "kernels/kernel_table.h"
#include "tensor/quant_ref.h"

namespace herd {

void attention_head(const float* q, const AttentionSpan& span, float* out) {
  kernels().attention_head(q, span, out);
}

void attention_tile(const AttentionTile& tile, const AttentionSpan& span) { kernels().attention_tile(tile, span); }

// One key at a time: out holds sum_j exp(score_j - max) v_j and `sum` the matching
// denominator; both are rescaled whenever a larger score appears. F16 and Q8_0 rows are
// dequantized by the tensor layer's reference first.
void attention_head_ref(const float* q, const AttentionSpan& span, float* out) {
  const int32_t d = span.head_dim;
  for (int32_t i = 0; i < d; ++i) out[i] = 0.0f;
  float max = -std::numeric_limits<float>::infinity();
  float sum = 0.0f;
  std::vector<float> kbuf(static_cast<size_t>(d)), vbuf(static_cast<size_t>(d));
  for (int64_t j = span.first; j < span.first + span.n_keys; ++j) {
    dequantize_row_ref(span.k_type, attention_key(span, j), kbuf.data(), d);
    dequantize_row_ref(span.v_type, attention_value(span, j), vbuf.data(), d);
    const float* k = kbuf.data();
    const float* v = vbuf.data();
    float dot = 0.0f;
    for (int32_t i = 0; i < d; ++i) dot += q[i] * k[i];
    float score = dot * span.scale;
    if (span.soft_cap > 0.0f) score = span.soft_cap * std::tanh(score / span.soft_cap);
    if (score > max) {
      const float rescale = std::exp(max - score);
      for (int32_t i = 0; i < d; ++i) out[i] *= rescale;
      sum *= rescale;
      max = score;
    }
    const float p = std::exp(score - max);
    sum += p;
    for (int32_t i = 0; i < d; ++i) out[i] += p * v[i];
  }
  if (sum > 0.0f) {
    const float inv = 1.0f / sum;
    for (int32_t i = 0; i < d; ++i) out[i] *= inv;
  }
}

void attention_tile_ref(const AttentionTile& tile, const AttentionSpan& span) {
  AttentionSpan row = span;
  for (int32_t t = 0; t < tile.n_tokens; ++t) {
    row.first = tile.first[t];
    row.n_keys = tile.n_keys[t];
    for (int32_t h = 0; h < tile.n_heads; ++h) {
      const int64_t off = static_cast<int64_t>(h) * span.head_dim;
      attention_head_ref(tile.q[t] + off, row, tile.out[t] + off);
    }
  }
}

}  // namespace herd
