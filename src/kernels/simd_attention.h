// Single-head attention of one SIMD variant (the contract is in attention.h): keys in
// blocks of 32, scores and probabilities of a block in a small stack buffer, and a
// running max / sum rescaled per block (online softmax). Included by kernels_<isa>.cc only.
#pragma once

#include <math.h>

#include "kernels/attention.h"
#include "kernels/simd_kv_rows.h"
#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

inline float dot_f32(const float* a, const float* b, int n) {
  VF s0 = vzero(), s1 = vzero();
  int i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {
    s0 = vfma(vload(a + i), vload(b + i), s0);
    s1 = vfma(vload(a + i + kW), vload(b + i + kW), s1);
  }
  for (; i < n; i += kW) {
    const int m = n - i < kW ? n - i : kW;
    s0 = vfma(vload_part(a + i, m), vload_part(b + i, m), s0);
  }
  return vhsum(vadd(s0, s1));
}

// out = a * out + p * v over d floats.
inline void scale_add(float* out, float a, float p, const float* v, int d) {
  const VF av = vset1(a), pv = vset1(p);
  for (int i = 0; i < d; i += kW) {
    const int m = d - i < kW ? d - i : kW;
    vstore_part(out + i, vfma(pv, vload_part(v + i, m), vmul(av, vload_part(out + i, m))), m);
  }
}

inline void attention_head(const float* q, const AttentionSpan& span, float* out) {
  constexpr int kBlock = 32;
  const int d = span.head_dim;
  for (int i = 0; i < d; ++i) out[i] = 0.0f;
  float max = -__builtin_inff();
  float sum = 0.0f;
  float score[kBlock];
  // F16 / Q8_0 rows are converted one at a time (this path takes the head sizes the
  // tile kernel does not: small, odd or large ones, up to kMaxTypedHeadDim).
  alignas(64) float row_buf[kMaxTypedHeadDim];
  const auto row = [&](bool values, int64_t j) -> const float* {
    const void* src = values ? attention_value(span, j) : attention_key(span, j);
    const DType type = values ? span.v_type : span.k_type;
    if (type == DType::kF32) return static_cast<const float*>(src);
    kv_row_to_f32(type, src, row_buf, d);
    return row_buf;
  };
  for (int64_t j0 = span.first; j0 < span.first + span.n_keys; j0 += kBlock) {
    const int64_t left = span.first + span.n_keys - j0;
    const int nb = left < kBlock ? static_cast<int>(left) : kBlock;
    float block_max = -__builtin_inff();
    for (int j = 0; j < nb; ++j) {
      float s = dot_f32(q, row(false, j0 + j), d) * span.scale;
      if (span.soft_cap > 0.0f) s = span.soft_cap * tanhf(s / span.soft_cap);
      score[j] = s;
      if (s > block_max) block_max = s;
    }
    float rescale = 1.0f;
    if (block_max > max) {
      rescale = expf(max - block_max);
      max = block_max;
    }
    const VF maxv = vset1(max);
    for (int j = 0; j < nb; j += kW) {
      const int m = nb - j < kW ? nb - j : kW;
      vstore_part(score + j, vexp(vsub(vload_part(score + j, m), maxv)), m);
    }
    sum *= rescale;
    for (int j = 0; j < nb; ++j) {
      scale_add(out, j == 0 ? rescale : 1.0f, score[j], row(true, j0 + j), d);
      sum += score[j];
    }
  }
  if (sum > 0.0f) {
    const VF inv = vset1(1.0f / sum);
    for (int i = 0; i < d; i += kW) {
      const int m = d - i < kW ? d - i : kW;
      vstore_part(out + i, vmul(vload_part(out + i, m), inv), m);
    }
  }
}

}  // namespace herd::HERD_SIMD_NS
