// Quantization of K-quant super-blocks: per sub-block scale searches (kquant_search.h),
// then the sub-block scales themselves quantized against one fp16 super-scale, then
// every element re-rounded against its final (quantized) scale.
#include <cmath>
#include <cstring>

#include "tensor/half.h"
#include "tensor/kquant_ref.h"
#include "tensor/kquant_search.h"

namespace herd {
namespace {

int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Packs codes 0..3 of 256 elements into the "2-bit planes" layout.
void pack_planes2(const uint8_t* L, uint8_t* qs) {
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t* c = L + 128 * h + l;
      qs[32 * h + l] = static_cast<uint8_t>(c[0] | (c[32] << 2) | (c[64] << 4) | (c[96] << 6));
    }
  }
}

// Packs the low nibbles of 256 codes into the "nibble pairs" layout of Q4_K/Q5_K.
void pack_nibble_pairs(const uint8_t* L, uint8_t* qs) {
  for (int p = 0; p < 4; ++p) {
    for (int l = 0; l < 32; ++l) {
      qs[32 * p + l] =
          static_cast<uint8_t>((L[64 * p + l] & 0x0f) | ((L[64 * p + 32 + l] & 0x0f) << 4));
    }
  }
}

// Q4_K and Q5_K share everything but the code width and the search's grid settings.
struct ScaleMin32Params {
  int nmax;
  float rmin;
  int nstep;
};

template <typename Block>
void quantize_scale_min32(const float* x, const ScaleMin32Params& p, Block* y, uint8_t* L) {
  constexpr int kSub = kQK_K / 32;
  float scales[kSub];
  float mins[kSub];
  float max_scale = 0.0f;
  float max_min = 0.0f;
  for (int s = 0; s < kSub; ++s) {
    const float* xs = x + 32 * s;
    float sum_x2 = 0.0f;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    float w[32];
    for (int l = 0; l < 32; ++l) w[l] = av_x + std::fabs(xs[l]);
    uint8_t aux[32];
    scales[s] =
        fit_scale_min(32, p.nmax, xs, w, L + 32 * s, &mins[s], aux, p.rmin, 0.1f, p.nstep, false);
    if (scales[s] > max_scale) max_scale = scales[s];
    if (mins[s] > max_min) max_min = mins[s];
  }

  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  std::memset(y->scales, 0, sizeof(y->scales));
  for (int s = 0; s < kSub; ++s) {
    uint8_t ls = static_cast<uint8_t>(round_to_int(inv_scale * scales[s]));
    uint8_t lm = static_cast<uint8_t>(round_to_int(inv_min * mins[s]));
    if (ls > 63) ls = 63;
    if (lm > 63) lm = 63;
    if (s < 4) {
      y->scales[s] = ls;
      y->scales[s + 4] = lm;
    } else {
      y->scales[s + 4] = static_cast<uint8_t>((ls & 0x0f) | ((lm & 0x0f) << 4));
      y->scales[s - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      y->scales[s] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
  y->d = f32_to_fp16(max_scale / 63.0f);
  y->dmin = f32_to_fp16(max_min / 63.0f);

  for (int s = 0; s < kSub; ++s) {
    int sc, m;
    k4_scale_min(y->scales, s, &sc, &m);
    const float d = fp16_to_f32(y->d) * static_cast<float>(sc);
    if (d == 0.0f) continue;
    const float dm = fp16_to_f32(y->dmin) * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) {
      L[32 * s + l] =
          static_cast<uint8_t>(clamp_int(round_to_int((x[32 * s + l] + dm) / d), 0, p.nmax));
    }
  }
}

}  // namespace

void quantize_block(const float* x, BlockQ2_K* y) {
  constexpr int kSub = kQK_K / 16;
  uint8_t L[kQK_K];
  float scales[kSub];
  float mins[kSub];
  float max_scale = 0.0f;  // scales and mins are >= 0: the min is subtracted
  float max_min = 0.0f;
  for (int s = 0; s < kSub; ++s) {
    float w[16];
    for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * s + l]);
    uint8_t aux[16];
    scales[s] =
        fit_scale_min(16, 3, x + 16 * s, w, L + 16 * s, &mins[s], aux, -0.5f, 0.1f, 15, true);
    if (scales[s] > max_scale) max_scale = scales[s];
    if (mins[s] > max_min) max_min = mins[s];
  }

  // Scale codes in the low nibbles, min codes in the high ones (byte conversion and
  // shift as GGML does them, so even a nonsensical negative code packs the same way).
  if (max_scale > 0.0f) {
    const float iscale = 15.0f / max_scale;
    for (int s = 0; s < kSub; ++s)
      y->scales[s] = static_cast<uint8_t>(round_to_int(iscale * scales[s]));
    y->d = f32_to_fp16(max_scale / 15.0f);
  } else {
    for (int s = 0; s < kSub; ++s) y->scales[s] = 0;
    y->d = f32_to_fp16(0.0f);
  }
  if (max_min > 0.0f) {
    const float iscale = 15.0f / max_min;
    for (int s = 0; s < kSub; ++s) {
      y->scales[s] |=
          static_cast<uint8_t>(static_cast<unsigned>(round_to_int(iscale * mins[s])) << 4);
    }
    y->dmin = f32_to_fp16(max_min / 15.0f);
  } else {
    y->dmin = f32_to_fp16(0.0f);
  }

  for (int s = 0; s < kSub; ++s) {
    const float d = fp16_to_f32(y->d) * static_cast<float>(y->scales[s] & 0x0f);
    if (d == 0.0f) continue;
    const float dm = fp16_to_f32(y->dmin) * static_cast<float>(y->scales[s] >> 4);
    for (int l = 0; l < 16; ++l) {
      L[16 * s + l] = static_cast<uint8_t>(clamp_int(round_to_int((x[16 * s + l] + dm) / d), 0, 3));
    }
  }
  pack_planes2(L, y->qs);
}

void quantize_block(const float* x, BlockQ3_K* y) {
  constexpr int kSub = kQK_K / 16;
  int8_t L[kQK_K];
  float scales[kSub];
  float max_scale = 0.0f;  // signed, of the largest magnitude
  float amax = 0.0f;
  for (int s = 0; s < kSub; ++s) {
    scales[s] = fit_symmetric_sweeps(16, 4, x + 16 * s, L + 16 * s);
    const float a = std::fabs(scales[s]);
    if (a > amax) {
      amax = a;
      max_scale = scales[s];
    }
  }

  std::memset(y->scales, 0, sizeof(y->scales));
  if (max_scale != 0.0f) {
    const float iscale = -32.0f / max_scale;
    for (int s = 0; s < kSub; ++s) {
      // Through int8 first, as GGML does, then clamped to the 6-bit signed range.
      const int8_t r = static_cast<int8_t>(round_to_int(iscale * scales[s]));
      const int c = clamp_int(r, -32, 31) + 32;
      if (s < 8) {
        y->scales[s] = static_cast<uint8_t>(c & 0x0f);
      } else {
        y->scales[s - 8] |= static_cast<uint8_t>((c & 0x0f) << 4);
      }
      y->scales[8 + s % 4] |= static_cast<uint8_t>((c >> 4) << (2 * (s / 4)));
    }
    y->d = f32_to_fp16(1.0f / iscale);
  } else {
    y->d = f32_to_fp16(0.0f);
  }

  for (int s = 0; s < kSub; ++s) {
    const float d = fp16_to_f32(y->d) * static_cast<float>(q3k_scale(y->scales, s) - 32);
    if (d == 0.0f) continue;
    for (int l = 0; l < 16; ++l) {
      L[16 * s + l] = static_cast<int8_t>(clamp_int(round_to_int(x[16 * s + l] / d), -4, 3) + 4);
    }
  }

  // Codes 0..7: the third bit goes to hmask, the low two to the 2-bit planes.
  std::memset(y->hmask, 0, sizeof(y->hmask));
  uint8_t low[kQK_K];
  for (int e = 0; e < kQK_K; ++e) {
    int c = L[e];
    if (c > 3) {
      y->hmask[e % 32] |= static_cast<uint8_t>(1 << (e / 32));
      c -= 4;
    }
    low[e] = static_cast<uint8_t>(c & 3);
  }
  pack_planes2(low, y->qs);
}

void quantize_block(const float* x, BlockQ4_K* y) {
  uint8_t L[kQK_K];
  quantize_scale_min32(x, ScaleMin32Params{15, -1.0f, 20}, y, L);
  pack_nibble_pairs(L, y->qs);
}

void quantize_block(const float* x, BlockQ5_K* y) {
  uint8_t L[kQK_K];
  quantize_scale_min32(x, ScaleMin32Params{31, -0.5f, 15}, y, L);
  pack_nibble_pairs(L, y->qs);
  std::memset(y->qh, 0, sizeof(y->qh));
  for (int e = 0; e < kQK_K; ++e) {
    if (L[e] > 15) y->qh[e % 32] |= static_cast<uint8_t>(1 << (e / 32));
  }
}

void quantize_block(const float* x, BlockQ6_K* y) {
  constexpr int kSub = kQK_K / 16;
  int8_t L[kQK_K];
  float scales[kSub];
  float max_scale = 0.0f;  // signed, of the largest magnitude
  float amax = 0.0f;
  for (int s = 0; s < kSub; ++s) {
    scales[s] = fit_symmetric(16, 32, x + 16 * s, L + 16 * s);
    const float a = std::fabs(scales[s]);
    if (a > amax) {
      amax = a;
      max_scale = scales[s];
    }
  }
  if (!(amax >= kGroupMaxEps)) {
    std::memset(y, 0, sizeof(*y));
    return;
  }

  const float iscale = -128.0f / max_scale;
  y->d = f32_to_fp16(1.0f / iscale);
  for (int s = 0; s < kSub; ++s) {
    const int r = round_to_int(iscale * scales[s]);
    y->scales[s] = static_cast<int8_t>(r < 127 ? r : 127);
  }
  for (int s = 0; s < kSub; ++s) {
    const float d = fp16_to_f32(y->d) * static_cast<float>(y->scales[s]);
    if (d == 0.0f) continue;
    for (int l = 0; l < 16; ++l) {
      L[16 * s + l] = static_cast<int8_t>(clamp_int(round_to_int(x[16 * s + l] / d), -32, 31) + 32);
    }
  }

  // Element e = 128 h + 32 r + l: low nibble to ql, top two bits to qh (bit 2 r).
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const int8_t* c = L + 128 * h + l;
      y->ql[64 * h + l] = static_cast<uint8_t>((c[0] & 0x0f) | ((c[64] & 0x0f) << 4));
      y->ql[64 * h + 32 + l] = static_cast<uint8_t>((c[32] & 0x0f) | ((c[96] & 0x0f) << 4));
      y->qh[32 * h + l] =
          static_cast<uint8_t>(((c[0] >> 4) & 3) | (((c[32] >> 4) & 3) << 2) |
                               (((c[64] >> 4) & 3) << 4) | (((c[96] >> 4) & 3) << 6));
    }
  }
}

void quantize_block(const float* x, BlockQ8_K* y) {
  float max = 0.0f;
  float amax = 0.0f;
  for (int e = 0; e < kQK_K; ++e) {
    const float a = std::fabs(x[e]);
    if (a > amax) {
      amax = a;
      max = x[e];
    }
  }
  if (amax == 0.0f) {
    std::memset(y, 0, sizeof(*y));
    return;
  }
  const float iscale = -127.0f / max;
  for (int e = 0; e < kQK_K; ++e) {
    const int r = round_to_int(iscale * x[e]);
    y->qs[e] = static_cast<int8_t>(clamp_int(r, -128, 127));
  }
  for (int k = 0; k < kQK_K / 16; ++k) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += y->qs[16 * k + l];
    y->bsums[k] = static_cast<int16_t>(sum);
  }
  y->d = 1.0f / iscale;
}

}  // namespace herd
