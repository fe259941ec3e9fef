// Scalar reference quantization, dequantization and dot product of single blocks
// (kQuantBlockSize elements). The row functions in quant_ref.h loop over these; SIMD
// kernels are tested block by block against them.
#pragma once

#include "tensor/quant_blocks.h"

namespace herd {

// x and y point at kQuantBlockSize floats. Quantization follows the GGML reference
// rounding exactly, so a row quantized here matches llama-quantize byte for byte
// (for finite input; non-finite input gives some block, never undefined behaviour).
void quantize_block(const float* x, BlockQ4_0* y);
void quantize_block(const float* x, BlockQ4_1* y);
void quantize_block(const float* x, BlockQ5_0* y);
void quantize_block(const float* x, BlockQ5_1* y);
void quantize_block(const float* x, BlockQ8_0* y);
void quantize_block(const float* x, BlockQ8_1* y);

void dequantize_block(const BlockQ4_0& b, float* y);
void dequantize_block(const BlockQ4_1& b, float* y);
void dequantize_block(const BlockQ5_0& b, float* y);
void dequantize_block(const BlockQ5_1& b, float* y);
void dequantize_block(const BlockQ8_0& b, float* y);
void dequantize_block(const BlockQ8_1& b, float* y);

// One block's contribution to a weight-row x activation-row dot product: the exact
// integer sum of q_w * q_a, scaled by d_w * d_a (plus m_w * s_a for the types with
// an offset).
float vec_dot_block(const BlockQ4_0& w, const BlockQ8_0& a);
float vec_dot_block(const BlockQ4_1& w, const BlockQ8_1& a);
float vec_dot_block(const BlockQ5_0& w, const BlockQ8_0& a);
float vec_dot_block(const BlockQ5_1& w, const BlockQ8_1& a);
float vec_dot_block(const BlockQ8_0& w, const BlockQ8_0& a);
float vec_dot_block(const BlockQ8_1& w, const BlockQ8_1& a);

}  // namespace herd
