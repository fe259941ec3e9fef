// The element-wise ops of ops_ref.h through the dispatch table (the fastest variant
// this CPU supports). Same contracts as the *_ref twins, within the error bounds that
// tests/kernels/kernel_table_test.cc states.
#pragma once

#include "kernels/kernel_table.h"
#include "kernels/ops_ref.h"

namespace herd {

inline void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  kernels().rms_norm(x, w, y, n, eps);
}
inline void softmax(float* x, int64_t n) { kernels().softmax(x, n); }
inline void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  kernels().swiglu(gate, up, out, n);
}
inline void rope_apply(float* x, int n_rot, const float* cos_sin, RopeStyle style) {
  kernels().rope_apply(x, n_rot, cos_sin, style);
}

}  // namespace herd
