// Element-wise ops that only some model families need, in plain scalar code.
#pragma once

#include <cstdint>

namespace herd {

// gelu(x) in the tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
float gelu_tanh_ref(float x);

// out[i] = gelu_tanh(gate[i]) * up[i]  (gemma's gated FFN). out may alias gate.
void geglu_tanh_ref(const float* gate, const float* up, float* out, int64_t n);

// x[i] = cap * tanh(x[i] / cap)  (gemma2 attention scores and final logits).
void softcap_ref(float* x, int64_t n, float cap);

// 1 / (1 + exp(-x)).
float sigmoid_ref(float x);

// x[t][i] += b[i] for t < n_rows, i < n (a bias added to every token's row).
void add_rows_ref(float* x, const float* b, int64_t n_rows, int64_t n);

// sum_i a[i] * b[i], accumulated in double.
float dot_ref(const float* a, const float* b, int64_t n);

}  // namespace herd
