// Element-wise ops of the transformer in plain scalar code (the reference twins).
#pragma once

#include <cstdint>

namespace herd {

// y = x / sqrt(mean(x^2) + eps) * w   (w may be null: no weight)
void rms_norm_ref(const float* x, const float* w, float* y, int64_t n, float eps);

// In-place softmax over n values; -inf entries get probability 0.
void softmax_ref(float* x, int64_t n);

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)).
void swiglu_ref(const float* gate, const float* up, float* out, int64_t n);

enum class RopeStyle {
  kAdjacentPairs,  // llama: rotates (x[2i], x[2i+1])
  kNeox,           // qwen2, gemma, phi3: rotates (x[i], x[i + n_rot/2])
};

// The cos/sin of every rotated pair at one position: angle_i = pos * base^(-2i/n_rot)
// / freq_factors[i] / scale (freq_factors may be null). cos_sin holds n_rot values:
// cos_sin[2i] = cos(angle_i), cos_sin[2i+1] = sin(angle_i).
void rope_cos_sin(int64_t pos, int n_rot, double freq_base, double scale,
                  const float* freq_factors, float* cos_sin);

// Rotates the first n_rot dims of one head vector x (head_dim values) in place.
void rope_apply_ref(float* x, int n_rot, const float* cos_sin, RopeStyle style);

}  // namespace herd
