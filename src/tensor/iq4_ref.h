// Scalar reference quantization, dequantization and dot products of the IQ4 types:
// IQ4_NL (32-element blocks, one fp16 scale) and IQ4_XS (256-element super-blocks with
// 6-bit sub-block scales), both coding each element as one of the 16 non-linear levels
// kIQ4Values. Quantization follows GGML's reference search without an importance
// matrix, so it matches llama-quantize byte for byte on ordinary data.
#pragma once

#include "tensor/kquant_blocks.h"

namespace herd {

// x and y point at kBlockElems<Block> floats (32 for IQ4_NL, 256 for IQ4_XS).
void quantize_block(const float* x, BlockIQ4_NL* y);
void quantize_block(const float* x, BlockIQ4_XS* y);

void dequantize_block(const BlockIQ4_NL& b, float* y);
void dequantize_block(const BlockIQ4_XS& b, float* y);

// IQ4_NL pairs with Q8_0 activations, IQ4_XS with Q8_K: exact integer sums of
// level x activation code (per sub-block times its scale code), scaled by d_w * d_a.
float vec_dot_block(const BlockIQ4_NL& w, const BlockQ8_0& a);
float vec_dot_block(const BlockIQ4_XS& w, const BlockQ8_K& a);

// The 4-bit level index of element e (0..31) of a 16-byte Q4_0-order nibble array.
inline int iq4_index(const uint8_t* qs, int e) {
  return e < 16 ? (qs[e] & 0x0f) : (qs[e - 16] >> 4);
}

}  // namespace herd
