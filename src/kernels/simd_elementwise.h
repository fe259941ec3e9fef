// The element-wise ops of one SIMD variant (rms_norm, softmax, swiglu, rope), written
// once over simd_vec.h. Same contracts as the *_ref twins in ops_ref.h; included by
// kernels_<isa>.cc only.
#pragma once

#include <math.h>

#include "kernels/ops_ref.h"
#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

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

}  // namespace herd::HERD_SIMD_NS
