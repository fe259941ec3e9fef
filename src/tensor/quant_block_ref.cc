#include "tensor/quant_block_ref.h"

#include <cfloat>
#include <cmath>

#include "tensor/half.h"

namespace herd {
namespace {

constexpr int kHalf = kQuantBlockSize / 2;

// (int)v for v in [0, hi], which is all finite input produces; anything else (NaN,
// inf, rounding just past the ends) is clamped rather than cast, which would be UB.
int trunc_clamped(float v, int hi) {
  if (!(v > 0.0f)) return 0;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

// roundf(v) (halves away from zero) clamped to int8's symmetric range; NaN gives 0.
int round_clamped(float v) {
  if (!(v == v)) return 0;
  if (v >= 127.0f) return 127;
  if (v <= -127.0f) return -127;
  return static_cast<int>(std::round(v));
}

// The element of largest magnitude, with its sign (the first one on ties).
float signed_absmax(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kQuantBlockSize; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

float absmax(const float* x) {
  float amax = 0.0f;
  for (int j = 0; j < kQuantBlockSize; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  return amax;
}

void min_max(const float* x, float* min, float* max) {
  *min = FLT_MAX;
  *max = -FLT_MAX;
  for (int j = 0; j < kQuantBlockSize; ++j) {
    if (x[j] < *min) *min = x[j];
    if (x[j] > *max) *max = x[j];
  }
}

float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Quantizes one block to 32 n-bit codes q = trunc((x - offset) * id + bias), capped at
// hi. An offset of 0.0f leaves x * id bitwise unchanged, so Q4_0/Q5_0 share this.
void codes(const float* x, float offset, float id, float bias, int hi, int* q) {
  for (int j = 0; j < kQuantBlockSize; ++j) q[j] = trunc_clamped((x[j] - offset) * id + bias, hi);
}

void pack_nibbles(const int* q, uint8_t* qs) {
  for (int j = 0; j < kHalf; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + kHalf] & 0x0f) << 4));
  }
}

uint32_t fifth_bits(const int* q) {
  uint32_t qh = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
  return qh;
}

// The unsigned 4- or 5-bit code of element j (0..31).
int nibble(const uint8_t* qs, int j) { return j < kHalf ? (qs[j] & 0x0f) : (qs[j - kHalf] >> 4); }
int code5(const uint8_t* qs, uint32_t qh, int j) {
  return nibble(qs, j) | static_cast<int>(((qh >> j) & 1u) << 4);
}

}  // namespace

void quantize_block(const float* x, BlockQ4_0* y) {
  const float d = signed_absmax(x) / -8.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  int q[kQuantBlockSize];
  codes(x, 0.0f, id, 8.5f, 15, q);
  pack_nibbles(q, y->qs);
}

void quantize_block(const float* x, BlockQ4_1* y) {
  float min, max;
  min_max(x, &min, &max);
  const float d = (max - min) / 15.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  y->m = f32_to_fp16(min);
  int q[kQuantBlockSize];
  codes(x, min, id, 0.5f, 15, q);
  pack_nibbles(q, y->qs);
}

void quantize_block(const float* x, BlockQ5_0* y) {
  const float d = signed_absmax(x) / -16.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  int q[kQuantBlockSize];
  codes(x, 0.0f, id, 16.5f, 31, q);
  pack_nibbles(q, y->qs);
  store_qh(fifth_bits(q), y->qh);
}

void quantize_block(const float* x, BlockQ5_1* y) {
  float min, max;
  min_max(x, &min, &max);
  const float d = (max - min) / 31.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  y->m = f32_to_fp16(min);
  int q[kQuantBlockSize];
  codes(x, min, id, 0.5f, 31, q);
  pack_nibbles(q, y->qs);
  store_qh(fifth_bits(q), y->qh);
}

void quantize_block(const float* x, BlockQ8_0* y) {
  const float d = absmax(x) / 127.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  for (int j = 0; j < kQuantBlockSize; ++j) {
    y->qs[j] = static_cast<int8_t>(round_clamped(x[j] * id));
  }
}

void quantize_block(const float* x, BlockQ8_1* y) {
  const float d = absmax(x) / 127.0f;
  const float id = inverse_or_zero(d);
  y->d = f32_to_fp16(d);
  int sum = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) {
    const int q = round_clamped(x[j] * id);
    y->qs[j] = static_cast<int8_t>(q);
    sum += q;
  }
  y->s = f32_to_fp16(static_cast<float>(sum) * d);
}

void dequantize_block(const BlockQ4_0& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(nibble(b.qs, j) - 8) * d;
}

void dequantize_block(const BlockQ4_1& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const float m = fp16_to_f32(b.m);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(nibble(b.qs, j)) * d + m;
}

void dequantize_block(const BlockQ5_0& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const uint32_t qh = load_qh(b.qh);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(code5(b.qs, qh, j) - 16) * d;
}

void dequantize_block(const BlockQ5_1& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const float m = fp16_to_f32(b.m);
  const uint32_t qh = load_qh(b.qh);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(code5(b.qs, qh, j)) * d + m;
}

void dequantize_block(const BlockQ8_0& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
}

void dequantize_block(const BlockQ8_1& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int j = 0; j < kQuantBlockSize; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
}

// The integer sums below are exact: at most 32 * 31 * 128 in magnitude.
float vec_dot_block(const BlockQ4_0& w, const BlockQ8_0& a) {
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += (nibble(w.qs, j) - 8) * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi);
}

float vec_dot_block(const BlockQ4_1& w, const BlockQ8_1& a) {
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += nibble(w.qs, j) * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi) +
         fp16_to_f32(w.m) * fp16_to_f32(a.s);
}

float vec_dot_block(const BlockQ5_0& w, const BlockQ8_0& a) {
  const uint32_t qh = load_qh(w.qh);
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += (code5(w.qs, qh, j) - 16) * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi);
}

float vec_dot_block(const BlockQ5_1& w, const BlockQ8_1& a) {
  const uint32_t qh = load_qh(w.qh);
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += code5(w.qs, qh, j) * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi) +
         fp16_to_f32(w.m) * fp16_to_f32(a.s);
}

float vec_dot_block(const BlockQ8_0& w, const BlockQ8_0& a) {
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += w.qs[j] * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi);
}

float vec_dot_block(const BlockQ8_1& w, const BlockQ8_1& a) {
  int sumi = 0;
  for (int j = 0; j < kQuantBlockSize; ++j) sumi += w.qs[j] * a.qs[j];
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(sumi);
}

}  // namespace herd
