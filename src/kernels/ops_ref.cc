#include "kernels/ops_ref.h"

#include <cmath>
#include <limits>

namespace herd {

void rms_norm_ref(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * (w != nullptr ? w[i] : 1.0f);
}

void softmax_ref(float* x, int64_t n) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) max = std::fmax(max, x[i]);
  if (!std::isfinite(max)) {  // all -inf: nothing to attend to; give uniform zeros
    for (int64_t i = 0; i < n; ++i) x[i] = 0.0f;
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu_ref(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void rope_cos_sin(int64_t pos, int n_rot, double freq_base, double scale,
                  const float* freq_factors, float* cos_sin) {
  for (int i = 0; i < n_rot / 2; ++i) {
    double angle = static_cast<double>(pos) * std::pow(freq_base, -2.0 * i / n_rot) / scale;
    if (freq_factors != nullptr) angle /= freq_factors[i];
    cos_sin[2 * i] = static_cast<float>(std::cos(angle));
    cos_sin[2 * i + 1] = static_cast<float>(std::sin(angle));
  }
}

void rope_apply_ref(float* x, int n_rot, const float* cos_sin, RopeStyle style) {
  const int half = n_rot / 2;
  for (int i = 0; i < half; ++i) {
    const int a = style == RopeStyle::kAdjacentPairs ? 2 * i : i;
    const int b = style == RopeStyle::kAdjacentPairs ? 2 * i + 1 : i + half;
    const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
    const float x0 = x[a], x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
  }
}

}  // namespace herd
