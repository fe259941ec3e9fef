// Scalar reference quantization, dequantization and dot products of single K-quant
// super-blocks (kQK_K = 256 elements), overloads of the quant_block_ref.h functions.
// Quantization follows GGML's reference searches without an importance matrix (what
// llama-quantize uses when given none); non-finite input gives some block, never
// undefined behaviour.
#pragma once

#include "tensor/kquant_blocks.h"

namespace herd {

// x and y point at kQK_K floats.
void quantize_block(const float* x, BlockQ2_K* y);
void quantize_block(const float* x, BlockQ3_K* y);
void quantize_block(const float* x, BlockQ4_K* y);
void quantize_block(const float* x, BlockQ5_K* y);
void quantize_block(const float* x, BlockQ6_K* y);
// Activations: d = -max / 127 where max is the signed largest-magnitude element (so
// that element becomes -127), qs = round-to-even(x / d) capped at 127, bsums = sums of
// each 16 codes; an all-zero block gets d = 0.
void quantize_block(const float* x, BlockQ8_K* y);

void dequantize_block(const BlockQ2_K& b, float* y);
void dequantize_block(const BlockQ3_K& b, float* y);
void dequantize_block(const BlockQ4_K& b, float* y);
void dequantize_block(const BlockQ5_K& b, float* y);
void dequantize_block(const BlockQ6_K& b, float* y);
void dequantize_block(const BlockQ8_K& b, float* y);

// One super-block of a weight-row x Q8_K-activation-row dot product: exact integer
// sums per super-block, scaled by d_w * d_a (minus dmin_w * d_a times the
// min-weighted activation sums taken from a.bsums, for Q2_K/Q4_K/Q5_K).
float vec_dot_block(const BlockQ2_K& w, const BlockQ8_K& a);
float vec_dot_block(const BlockQ3_K& w, const BlockQ8_K& a);
float vec_dot_block(const BlockQ4_K& w, const BlockQ8_K& a);
float vec_dot_block(const BlockQ5_K& w, const BlockQ8_K& a);
float vec_dot_block(const BlockQ6_K& w, const BlockQ8_K& a);
float vec_dot_block(const BlockQ8_K& w, const BlockQ8_K& a);

// The unsigned code of element e (0..255) of a block, as its layout comment describes:
// Q2_K 0..3, Q3_K 0..7 (value q - 4), Q4_K 0..15, Q5_K 0..31, Q6_K 0..63 (value q - 32).
int code_at(const BlockQ2_K& b, int e);
int code_at(const BlockQ3_K& b, int e);
int code_at(const BlockQ4_K& b, int e);
int code_at(const BlockQ5_K& b, int e);
int code_at(const BlockQ6_K& b, int e);

}  // namespace herd
