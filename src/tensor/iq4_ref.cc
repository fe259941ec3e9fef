#include "tensor/iq4_ref.h"

#include <cmath>
#include <cstring>

#include "tensor/half.h"
#include "tensor/kquant_search.h"

namespace herd {
namespace {

constexpr int kGroup = 32;  // elements per scale group in both types
constexpr int kTries = 7;   // grid offsets tried on each side of the level range

// Least-squares fit of one 32-element group to d * kIQ4Values[L] with weights x^2:
// starts from the grid that puts the largest-magnitude element on +127, then tries the
// grids putting it on -127 + k for k in -kTries..kTries and keeps the best
// least-squares d. Returns d (0 for a group of zeros, L then untouched).
float fit_group(const float* x, uint8_t* L) {
  float w[kGroup];
  for (int j = 0; j < kGroup; ++j) w[j] = x[j] * x[j];
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kGroup; ++j) {
    const float a = std::fabs(x[j]);
    if (a > amax) {
      amax = a;
      max = x[j];
    }
  }
  if (amax < kGroupMaxEps) return 0.0f;

  float d = -max / kIQ4Values[0];
  float id = 1.0f / d;
  float sum_qx = 0.0f;
  float sum_q2 = 0.0f;
  for (int j = 0; j < kGroup; ++j) {
    const int l = nearest_level(kIQ4Values, id * x[j]);
    L[j] = static_cast<uint8_t>(l);
    const float q = kIQ4Values[l];
    sum_qx += w[j] * q * x[j];
    sum_q2 += w[j] * q * q;
  }
  d = sum_qx / sum_q2;
  float best = d * sum_qx;
  for (int k = -kTries; k <= kTries; ++k) {
    id = (k + kIQ4Values[0]) / max;
    sum_qx = 0.0f;
    sum_q2 = 0.0f;
    for (int j = 0; j < kGroup; ++j) {
      const float q = kIQ4Values[nearest_level(kIQ4Values, id * x[j])];
      sum_qx += w[j] * q * x[j];
      sum_q2 += w[j] * q * q;
    }
    if (sum_q2 > 0.0f && sum_qx * sum_qx > best * sum_q2) {
      d = sum_qx / sum_q2;
      best = d * sum_qx;
    }
  }
  return d;
}

// Level indices of a group for the final scale d (1/d = 0 when d is 0).
void assign_levels(const float* x, float d, uint8_t* L) {
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kGroup; ++j)
    L[j] = static_cast<uint8_t>(nearest_level(kIQ4Values, id * x[j]));
}

// Packs 32 level indices in Q4_0 nibble order.
void pack_group(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

int dot_group(const uint8_t* qs, const int8_t* a) {
  int sum = 0;
  for (int e = 0; e < kGroup; ++e) sum += kIQ4Values[iq4_index(qs, e)] * a[e];
  return sum;
}

}  // namespace

void quantize_block(const float* x, BlockIQ4_NL* y) {
  uint8_t L[kGroup];
  // The levels are re-assigned for the unrounded d (GGML does the same).
  const float d = fit_group(x, L);
  y->d = f32_to_fp16(d);
  assign_levels(x, d, L);
  pack_group(L, y->qs);
}

void quantize_block(const float* x, BlockIQ4_XS* y) {
  constexpr int kSub = kQK_K / kGroup;
  float scales[kSub];
  uint8_t L[kGroup];
  float max_scale = 0.0f;  // signed, of the largest magnitude
  float amax = 0.0f;
  for (int s = 0; s < kSub; ++s) {
    scales[s] = fit_group(x + kGroup * s, L);
    const float a = std::fabs(scales[s]);
    if (a > amax) {
      amax = a;
      max_scale = scales[s];
    }
  }

  // The largest scale gets code -32; the levels are re-assigned for each sub-block's
  // quantized scale d * c (with the unrounded float d, as GGML does).
  const float d = -max_scale / 32;
  y->d = f32_to_fp16(d);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  y->scales_h = 0;
  std::memset(y->scales_l, 0, sizeof(y->scales_l));
  for (int s = 0; s < kSub; ++s) {
    int c = round_to_int(id * scales[s]);
    c = c < -32 ? -32 : (c > 31 ? 31 : c);
    assign_levels(x + kGroup * s, d * static_cast<float>(c), L);
    pack_group(L, y->qs + 16 * s);
    c += 32;
    y->scales_l[s / 2] |= static_cast<uint8_t>((c & 0x0f) << (4 * (s % 2)));
    y->scales_h = static_cast<uint16_t>(y->scales_h | ((c >> 4) << (2 * s)));
  }
}

void dequantize_block(const BlockIQ4_NL& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int e = 0; e < kGroup; ++e) y[e] = d * static_cast<float>(kIQ4Values[iq4_index(b.qs, e)]);
}

void dequantize_block(const BlockIQ4_XS& b, float* y) {
  const float d = fp16_to_f32(b.d);
  for (int s = 0; s < kQK_K / kGroup; ++s) {
    const float dl = d * static_cast<float>(iq4xs_scale(b, s) - 32);
    const uint8_t* qs = b.qs + 16 * s;
    for (int e = 0; e < kGroup; ++e) {
      y[kGroup * s + e] = dl * static_cast<float>(kIQ4Values[iq4_index(qs, e)]);
    }
  }
}

float vec_dot_block(const BlockIQ4_NL& w, const BlockQ8_0& a) {
  return (fp16_to_f32(w.d) * fp16_to_f32(a.d)) * static_cast<float>(dot_group(w.qs, a.qs));
}

// |sum| <= 8 * 32 (scale) * 32 * 127 * 128 < 2^28: exact in int.
float vec_dot_block(const BlockIQ4_XS& w, const BlockQ8_K& a) {
  int sum = 0;
  for (int s = 0; s < kQK_K / kGroup; ++s) {
    sum += (iq4xs_scale(w, s) - 32) * dot_group(w.qs + 16 * s, a.qs + kGroup * s);
  }
  return (fp16_to_f32(w.d) * a.d) * static_cast<float>(sum);
}

}  // namespace herd
