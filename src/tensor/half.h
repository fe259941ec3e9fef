// IEEE binary16 (fp16) and bfloat16 conversions by plain bit manipulation, so they
// behave the same on every x86-64 baseline (no F16C, no compiler _Float16).
#pragma once

#include <cstdint>

namespace herd {

// Exact: every fp16 value (subnormals, infinities, NaN payloads) is a float.
float fp16_to_f32(uint16_t h);
// Round to nearest, ties to even; overflow gives infinity; NaN stays a (quiet) NaN.
uint16_t f32_to_fp16(float f);

// Exact: bf16 is the upper half of a float.
float bf16_to_f32(uint16_t h);
// Round to nearest, ties to even; NaN stays a (quiet) NaN.
uint16_t f32_to_bf16(float f);

// A 65536-entry table with fp16_to_f32(h) at index h, built on first use (thread-safe).
// Hot loops fetch the pointer once and index it.
const float* fp16_table();

}  // namespace herd
