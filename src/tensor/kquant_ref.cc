// Dequantization, element codes and Q8_K dot products of the K-quant super-blocks.
// (Quantization is in kquant_quantize.cc.)
#include "tensor/kquant_ref.h"

#include "tensor/half.h"

namespace herd {
namespace {

constexpr int kSub16 = kQK_K / 16;  // sub-blocks of 16 (Q2_K, Q3_K, Q6_K)
constexpr int kSub32 = kQK_K / 32;  // sub-blocks of 32 (Q4_K, Q5_K)

// Byte and shift of element e in the "2-bit planes" layout.
int plane2(const uint8_t* qs, int e) {
  return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

// Element e in the "nibble pairs" layout of Q4_K/Q5_K.
int nibble_pair(const uint8_t* qs, int e) {
  return (qs[32 * (e / 64) + e % 32] >> (4 * ((e % 64) / 32))) & 0x0f;
}

// Bit e / 32 of byte e % 32 ("bit columns").
int column_bit(const uint8_t* bits, int e) { return (bits[e % 32] >> (e / 32)) & 1; }

// sum over the 16 or 32 elements of sub-block s of code(e) * a.qs[e], with the codes
// shifted by `offset`.
template <typename Block>
int sub_sum(const Block& w, const BlockQ8_K& a, int s, int len, int offset) {
  int sum = 0;
  for (int e = s * len; e < (s + 1) * len; ++e) sum += (code_at(w, e) - offset) * a.qs[e];
  return sum;
}

}  // namespace

int code_at(const BlockQ2_K& b, int e) { return plane2(b.qs, e); }
int code_at(const BlockQ3_K& b, int e) { return plane2(b.qs, e) | (column_bit(b.hmask, e) << 2); }
int code_at(const BlockQ4_K& b, int e) { return nibble_pair(b.qs, e); }
int code_at(const BlockQ5_K& b, int e) { return nibble_pair(b.qs, e) | (column_bit(b.qh, e) << 4); }
int code_at(const BlockQ6_K& b, int e) {
  const int h = e / 128;
  const int r = (e % 128) / 32;
  const int l = e % 32;
  const int low = (b.ql[64 * h + 32 * (r % 2) + l] >> (4 * (r / 2))) & 0x0f;
  const int high = (b.qh[32 * h + l] >> (2 * r)) & 3;
  return low | (high << 4);
}

void dequantize_block(const BlockQ2_K& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const float dmin = fp16_to_f32(b.dmin);
  for (int s = 0; s < kSub16; ++s) {
    const float dl = d * static_cast<float>(b.scales[s] & 0x0f);
    const float ml = dmin * static_cast<float>(b.scales[s] >> 4);
    for (int e = 16 * s; e < 16 * (s + 1); ++e) y[e] = dl * static_cast<float>(code_at(b, e)) - ml;
  }
}

void dequantize_block(const BlockQ3_K& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int s = 0; s < kSub16; ++s) {
    const float dl = d * static_cast<float>(q3k_scale(b.scales, s) - 32);
    for (int e = 16 * s; e < 16 * (s + 1); ++e) y[e] = dl * static_cast<float>(code_at(b, e) - 4);
  }
}

void dequantize_block(const BlockQ4_K& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const float dmin = fp16_to_f32(b.dmin);
  for (int s = 0; s < kSub32; ++s) {
    int sc, m;
    k4_scale_min(b.scales, s, &sc, &m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    for (int e = 32 * s; e < 32 * (s + 1); ++e) y[e] = dl * static_cast<float>(code_at(b, e)) - ml;
  }
}

void dequantize_block(const BlockQ5_K& b, float* y) {
  const float d = fp16_to_f32(b.d);
  const float dmin = fp16_to_f32(b.dmin);
  for (int s = 0; s < kSub32; ++s) {
    int sc, m;
    k4_scale_min(b.scales, s, &sc, &m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    for (int e = 32 * s; e < 32 * (s + 1); ++e) y[e] = dl * static_cast<float>(code_at(b, e)) - ml;
  }
}

void dequantize_block(const BlockQ6_K& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int s = 0; s < kSub16; ++s) {
    const float dl = d * static_cast<float>(b.scales[s]);
    for (int e = 16 * s; e < 16 * (s + 1); ++e) y[e] = dl * static_cast<float>(code_at(b, e) - 32);
  }
}

void dequantize_block(const BlockQ8_K& b, float* y) {
  for (int e = 0; e < kQK_K; ++e) y[e] = b.d * static_cast<float>(b.qs[e]);
}

// The integer sums are exact: at most 256 * 32 * 128 * 128 < 2^28 in magnitude (Q6_K);
// rounding happens only in the final float scaling.
float vec_dot_block(const BlockQ2_K& w, const BlockQ8_K& a) {
  int sum = 0;
  int min_sum = 0;
  for (int s = 0; s < kSub16; ++s) {
    sum += (w.scales[s] & 0x0f) * sub_sum(w, a, s, 16, 0);
    min_sum += (w.scales[s] >> 4) * a.bsums[s];
  }
  const float d = a.d * fp16_to_f32(w.d);
  const float dmin = a.d * fp16_to_f32(w.dmin);
  return d * static_cast<float>(sum) - dmin * static_cast<float>(min_sum);
}

float vec_dot_block(const BlockQ3_K& w, const BlockQ8_K& a) {
  int sum = 0;
  for (int s = 0; s < kSub16; ++s) sum += (q3k_scale(w.scales, s) - 32) * sub_sum(w, a, s, 16, 4);
  return (a.d * fp16_to_f32(w.d)) * static_cast<float>(sum);
}

namespace {

// Q4_K and Q5_K differ only in their codes.
template <typename Block>
float vec_dot_scale_min32(const Block& w, const BlockQ8_K& a) {
  int sum = 0;
  int min_sum = 0;
  for (int s = 0; s < kSub32; ++s) {
    int sc, m;
    k4_scale_min(w.scales, s, &sc, &m);
    sum += sc * sub_sum(w, a, s, 32, 0);
    min_sum += m * (a.bsums[2 * s] + a.bsums[2 * s + 1]);
  }
  const float d = a.d * fp16_to_f32(w.d);
  const float dmin = a.d * fp16_to_f32(w.dmin);
  return d * static_cast<float>(sum) - dmin * static_cast<float>(min_sum);
}

}  // namespace

float vec_dot_block(const BlockQ4_K& w, const BlockQ8_K& a) { return vec_dot_scale_min32(w, a); }
float vec_dot_block(const BlockQ5_K& w, const BlockQ8_K& a) { return vec_dot_scale_min32(w, a); }

float vec_dot_block(const BlockQ6_K& w, const BlockQ8_K& a) {
  int sum = 0;
  for (int s = 0; s < kSub16; ++s) sum += w.scales[s] * sub_sum(w, a, s, 16, 32);
  return (a.d * fp16_to_f32(w.d)) * static_cast<float>(sum);
}

float vec_dot_block(const BlockQ8_K& w, const BlockQ8_K& a) {
  int sum = 0;
  for (int e = 0; e < kQK_K; ++e) sum += w.qs[e] * a.qs[e];
  return (w.d * a.d) * static_cast<float>(sum);
}

}  // namespace herd
