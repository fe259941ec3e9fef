// The float kernels of one SIMD variant, written once over simd_vec.h: float-row dot
// products and tiles (F32, F16, BF16 weights with F32 activations), rms_norm, softmax,
// swiglu, rope and single-head attention. Included by kernels_<isa>.cc only.
#pragma once

#include <math.h>

#include "kernels/attention.h"
#include "kernels/ops_ref.h"
#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

// ---- weight rows of a float type ----------------------------------------------------

struct LoadF32 {
  static VF full(const void* row, int64_t i) { return vload(static_cast<const float*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) { return vload_part(static_cast<const float*>(row) + i, n); }
};
struct LoadF16 {
  static VF full(const void* row, int64_t i) { return vload_f16(static_cast<const uint16_t*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) { return vload_f16_part(static_cast<const uint16_t*>(row) + i, n); }
};
struct LoadBF16 {
  static VF full(const void* row, int64_t i) { return vload_bf16(static_cast<const uint16_t*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) {
    return vload_bf16_part(static_cast<const uint16_t*>(row) + i, n);
  }
};

template <class L>
float dot_float_row(const void* row, const void* act, int64_t n) {
  const float* x = static_cast<const float*>(act);
  VF a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
  int64_t i = 0;
  for (; i + 4 * kW <= n; i += 4 * kW) {
    a0 = vfma(L::full(row, i), vload(x + i), a0);
    a1 = vfma(L::full(row, i + kW), vload(x + i + kW), a1);
    a2 = vfma(L::full(row, i + 2 * kW), vload(x + i + 2 * kW), a2);
    a3 = vfma(L::full(row, i + 3 * kW), vload(x + i + 3 * kW), a3);
  }
  for (; i + kW <= n; i += kW) a0 = vfma(L::full(row, i), vload(x + i), a0);
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    a1 = vfma(L::part(row, i, rest), vload_part(x + i, rest), a1);
  }
  return vhsum(vadd(vadd(a0, a1), vadd(a2, a3)));
}

// R rows x T tokens, all of n: every weight vector is converted once per T tokens.
template <class L, int R, int T>
void float_micro_tile(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes,
                      int64_t n, float* y, int64_t y_stride) {
  VF acc[R][T];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) acc[r][t] = vzero();
  }
  const float* x[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) x[t] = reinterpret_cast<const float*>(acts + t * act_bytes);
  int64_t i = 0;
  for (; i + kW <= n; i += kW) {
    VF w[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) w[r] = L::full(rows + r * row_bytes, i);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload(x[t] + i);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = vfma(w[r], xv, acc[r][t]);
    }
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload_part(x[t] + i, rest);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = vfma(L::part(rows + r * row_bytes, i, rest), xv, acc[r][t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) y[t * y_stride + r] = vhsum(acc[r][t]);
  }
}

// Walks an n_rows x n_acts tile in micro tiles of at most kR x kT, with smaller micro
// tiles at the edges. Micro(r, t) is a template taking the micro tile's shape.
template <int kR, int kT, template <int, int> class Micro>
void walk_tile(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
               int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  static_assert(kR <= 4 && kT <= 4);
  for (int64_t t = 0; t < n_acts; t += kT) {
    const int64_t nt = n_acts - t < kT ? n_acts - t : kT;
    for (int64_t r = 0; r < n_rows; r += kR) {
      const int64_t nr = n_rows - r < kR ? n_rows - r : kR;
      const uint8_t* rp = rows + r * row_bytes;
      const uint8_t* ap = acts + t * act_bytes;
      float* yp = y + t * y_stride + r;
#define HERD_TILE_CASE(R_, T_) \
  case (R_) * 8 + (T_): Micro<R_, T_>::run(rp, row_bytes, ap, act_bytes, n, yp, y_stride); break;
      switch (nr * 8 + nt) {
        HERD_TILE_CASE(1, 1) HERD_TILE_CASE(1, 2) HERD_TILE_CASE(1, 3) HERD_TILE_CASE(1, 4)
        HERD_TILE_CASE(2, 1) HERD_TILE_CASE(2, 2) HERD_TILE_CASE(2, 3) HERD_TILE_CASE(2, 4)
        HERD_TILE_CASE(3, 1) HERD_TILE_CASE(3, 2) HERD_TILE_CASE(3, 3) HERD_TILE_CASE(3, 4)
        HERD_TILE_CASE(4, 1) HERD_TILE_CASE(4, 2) HERD_TILE_CASE(4, 3) HERD_TILE_CASE(4, 4)
        default: break;
      }
#undef HERD_TILE_CASE
    }
  }
}

template <class L>
struct FloatMicro {
  template <int R, int T>
  struct M {
    static void run(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                    float* y, int64_t y_stride) {
      float_micro_tile<L, R, T>(rows, row_bytes, acts, act_bytes, n, y, y_stride);
    }
  };
};

// ---- element-wise ops ---------------------------------------------------------------

inline void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  VF s0 = vzero(), s1 = vzero();
  int64_t i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {
    const VF a = vload(x + i), b = vload(x + i + kW);
    s0 = vfma(a, a, s0);
    s1 = vfma(b, b, s1);
  }
  for (; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    const VF a = vload_part(x + i, m);
    s0 = vfma(a, a, s0);
  }
  const double mean = static_cast<double>(vhsum(vadd(s0, s1))) / static_cast<double>(n);
  const VF scale = vset1(static_cast<float>(1.0 / sqrt(mean + eps)));
  for (i = 0; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    VF v = vmul(vload_part(x + i, m), scale);
    if (w != nullptr) v = vmul(v, vload_part(w + i, m));
    vstore_part(y + i, v, m);
  }
}

inline void softmax(float* x, int64_t n) {
  VF mv = vset1(-__builtin_inff());
  for (int64_t i = 0; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    // Masked-off lanes read as 0, so fold them in as -inf instead.
    VF v = vload_part(x + i, m);
    if (m < kW) {
      float tmp[kW];
      vstore(tmp, v);
      for (int j = m; j < kW; ++j) tmp[j] = -__builtin_inff();
      v = vload(tmp);
    }
    mv = vmax(mv, v);
  }
  const float max = vhmax(mv);
  if (!(max > -__builtin_inff() && max < __builtin_inff())) {
    for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
    return;
  }
  const VF maxv = vset1(max);
  VF sum = vzero();
  for (int64_t i = 0; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    const VF e = vexp(vsub(vload_part(x + i, m), maxv));
    vstore_part(x + i, e, m);
    sum = vadd(sum, m < kW ? vload_part(x + i, m) : e);  // masked-off lanes must add 0
  }
  const VF inv = vset1(1.0f / vhsum(sum));
  for (int64_t i = 0; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    vstore_part(x + i, vmul(vload_part(x + i, m), inv), m);
  }
}

inline void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  const VF one = vset1(1.0f);
  for (int64_t i = 0; i < n; i += kW) {
    const int m = n - i < kW ? static_cast<int>(n - i) : kW;
    const VF g = vload_part(gate + i, m);
    const VF silu = vdiv(g, vadd(one, vexp(vsub(vzero(), g))));
    vstore_part(out + i, vmul(silu, vload_part(up + i, m)), m);
  }
}

inline void rope_apply(float* x, int n_rot, const float* cos_sin, RopeStyle style) {
  const int half = n_rot / 2;
  if (style == RopeStyle::kAdjacentPairs) {
    // Lanes hold (x0, x1) pairs and (cos, sin) pairs side by side: even lanes get
    // x0 c - x1 s, odd lanes x1 c + x0 s.
    for (int i = 0; i < 2 * half; i += kW) {
      const int m = 2 * half - i < kW ? 2 * half - i : kW;
      float xs[kW], cs[kW], rot[kW];
      vstore(xs, vload_part(x + i, m));
      vstore(cs, vload_part(cos_sin + i, m));
      float c[kW], s[kW], sw[kW];
      for (int j = 0; j < kW; j += 2) {
        c[j] = c[j + 1] = cs[j];
        s[j] = -cs[j + 1];
        s[j + 1] = cs[j + 1];
        sw[j] = xs[j + 1];
        sw[j + 1] = xs[j];
      }
      vstore(rot, vfma(vload(xs), vload(c), vmul(vload(sw), vload(s))));
      vstore_part(x + i, vload(rot), m);
    }
    return;
  }
  for (int i = 0; i < half; i += kW) {
    const int m = half - i < kW ? half - i : kW;
    float c[kW] = {}, s[kW] = {};
    for (int j = 0; j < m; ++j) {
      c[j] = cos_sin[2 * (i + j)];
      s[j] = cos_sin[2 * (i + j) + 1];
    }
    const VF cv = vload(c), sv = vload(s);
    const VF x0 = vload_part(x + i, m), x1 = vload_part(x + i + half, m);
    vstore_part(x + i, vsub(vmul(x0, cv), vmul(x1, sv)), m);
    vstore_part(x + i + half, vfma(x0, sv, vmul(x1, cv)), m);
  }
}

// ---- attention ----------------------------------------------------------------------

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
  for (int64_t j0 = span.first; j0 < span.first + span.n_keys; j0 += kBlock) {
    const int64_t left = span.first + span.n_keys - j0;
    const int nb = left < kBlock ? static_cast<int>(left) : kBlock;
    float block_max = -__builtin_inff();
    for (int j = 0; j < nb; ++j) {
      float s = dot_f32(q, span.k + (j0 + j) * span.k_stride, d) * span.scale;
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
      scale_add(out, j == 0 ? rescale : 1.0f, score[j], span.v + (j0 + j) * span.v_stride, d);
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
