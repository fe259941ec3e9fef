// Scalar reference conversions and dot products for every type herd computes with.
// These are the "*_ref" twins every SIMD kernel is tested against.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace herd {

// True when the functions below handle `type`: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL and IQ4_XS. Callers check this
// (and the row shape) first: the functions below abort on a type without a reference, a
// negative n or an n that is not whole blocks (256 elements for the K-quants and IQ4_XS),
// as those are bugs in the caller, not in its input.
bool dtype_has_ref(DType type);

// n must be a multiple of the type's block size (callers check shapes first). Rows may
// sit at any address. Quantization matches llama-quantize's reference rounding (for the
// K-quant and IQ4 types: its search without an importance matrix).
void dequantize_row_ref(DType type, const void* src, float* dst, int64_t n);
void quantize_row_ref(DType type, const float* src, void* dst, int64_t n);

// Dot product of a stored row with float activations (exact float32 accumulation
// over the dequantized weights).
float dot_f32_ref(DType type, const void* row, const float* x, int64_t n);

// The activation type a weight type's integer dot product pairs with, as GGUF
// engines use it: Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for
// Q2_K..Q6_K/IQ4_XS, F16 for F16, BF16 for BF16, F32 for F32 (and Q8_1 for Q8_1, Q8_K
// for Q8_K; F32 for a type without a reference).
DType vec_dot_type(DType type);
// Dot product of a weight row with an activation row already in vec_dot_type(type):
// per block an exact integer sum scaled by d_w * d_a (+ m_w * s_a for Q4_1/Q5_1,
// - dmin_w * d_a * (mins . bsums) for Q2_K/Q4_K/Q5_K), accumulated in float; float rows
// accumulate their products in float.
float vec_dot_ref(DType type, const void* row, const void* act, int64_t n);

}  // namespace herd
