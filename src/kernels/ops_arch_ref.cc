#include "kernels/ops_arch_ref.h"

#include <cmath>

namespace herd {

float gelu_tanh_ref(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

void geglu_tanh_ref(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = gelu_tanh_ref(gate[i]) * up[i];
}

void softcap_ref(float* x, int64_t n, float cap) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

float sigmoid_ref(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void add_rows_ref(float* x, const float* b, int64_t n_rows, int64_t n) {
  for (int64_t t = 0; t < n_rows; ++t) {
    float* row = x + t * n;
    for (int64_t i = 0; i < n; ++i) row[i] += b[i];
  }
}

float dot_ref(const float* a, const float* b, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(sum);
}

}  // namespace herd
