// Dot products of the low-bit and non-linear types for one SIMD variant: Q2_K, Q3_K and
// IQ4_XS weight rows with Q8_K activations (through kquant_row_tile, so bit-identical to
// vec_dot_ref: exact integer sums per super-block, then the reference's float steps in
// its order), and IQ4_NL with Q8_0 (through quant_micro_tile, as the legacy 32-blocks:
// within the float-summation bound). Included by kernels_<isa>.cc only.
//
// Layouts: tensor/kquant_blocks.h. The scale decoding is written out here (no calls to
// the tensor layer's inline helpers, see simd_kquant_ops.h).
#pragma once

#include "kernels/simd_kquant_ops.h"

namespace herd::HERD_SIMD_NS {

// The 16 IQ4 levels (kIQ4Values) in both 128-bit lanes, for vpshufb lookups.
inline __m256i iq4_levels() {
  return _mm256_broadcastsi128_si256(
      _mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
}

// 32 level indices in Q4_0 nibble order -> 32 signed levels.
inline __m256i iq4_lookup(const uint8_t* qs, __m256i levels) { return _mm256_shuffle_epi8(levels, unpack_nibbles(qs)); }

// Per-16 scales of vector v: sub-block 2 v in the low lane, 2 v + 1 in the high one.
inline __m256i half_scales(int lo, int hi) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(hi)), _mm_set1_epi16(static_cast<int16_t>(lo)));
}

// The 2-bit planes of Q2_K / Q3_K: vector 4 h + r (elements 128 h + 32 r + l) is
// bits 2 r of qs[32 h + l].
inline void unpack_planes2(const uint8_t* qs, __m256i* q) {
  const __m256i three = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; ++h) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * h));
    q[4 * h + 0] = _mm256_and_si256(x, three);
    q[4 * h + 1] = _mm256_and_si256(_mm256_srli_epi16(x, 2), three);
    q[4 * h + 2] = _mm256_and_si256(_mm256_srli_epi16(x, 4), three);
    q[4 * h + 3] = _mm256_and_si256(_mm256_srli_epi16(x, 6), three);
  }
}

// Q2_K, 84 bytes: [0,16) scales (low nibble scale, high nibble min) | [16,80) qs |
// [80,82) d | [82,84) dmin. Codes 0..3.
struct KQ2 {
  static constexpr size_t kBytes = 84;
  static constexpr bool kSignedCodes = false;
  __m256i mins;  // min codes of the 16 sub-blocks, int16
  float d, dmin;

  void unpack(const uint8_t* w, KCodes* c) {
    const __m128i sb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
    const __m128i nib = _mm_set1_epi8(0x0f);
    alignas(16) uint8_t sc[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(sc), _mm_and_si128(sb, nib));
    mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sb, 4), nib));
    unpack_planes2(w + 16, c->q);
    for (int k = 0; k < 8; ++k) c->sc[k] = half_scales(sc[2 * k], sc[2 * k + 1]);
    d = load_f16(w + 80);
    dmin = load_f16(w + 82);
  }

  // As vec_dot_block(BlockQ2_K, BlockQ8_K).
  float finish(const ActQ8K& a, int sum) const {
    const int min_sum = hsum_epi32(_mm256_madd_epi16(mins, a.bsums()));
    const float dd = a.d() * d;
    const float dm = a.d() * dmin;
    return dd * static_cast<float>(sum) - dm * static_cast<float>(min_sum);
  }
};

// Q3_K, 110 bytes: [0,32) hmask | [32,96) qs | [96,108) scales | [108,110) d.
// Codes 0..7 (value q - 4), the offset removed through the 16-element activation sums;
// sub-block scales c - 32 with 6-bit codes c.
struct KQ3 {
  static constexpr size_t kBytes = 110;
  static constexpr bool kSignedCodes = false;
  __m256i scales;  // c - 32 of the 16 sub-blocks, int16
  float d;

  void unpack(const uint8_t* w, KCodes* c) {
    // Low nibbles: byte s % 8 of the first 8 scale bytes (high nibble for s >= 8); high
    // 2 bits: byte 8 + s % 4 at bit 2 (s / 4), i.e. 32-bit group s / 4 shifted by 2 (s / 4).
    const uint8_t* sb = w + 96;
    const __m128i l8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sb));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i low = _mm_unpacklo_epi64(_mm_and_si128(l8, nib), _mm_and_si128(_mm_srli_epi16(l8, 4), nib));
    uint32_t h4;
    std::memcpy(&h4, sb + 8, sizeof(h4));
    const __m128i hs = _mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(h4)), _mm_setr_epi32(0, 2, 4, 6));
    const __m128i high = _mm_slli_epi16(_mm_and_si128(hs, _mm_set1_epi8(3)), 4);
    const __m128i codes = _mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32));
    alignas(16) int8_t sc[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(sc), codes);
    scales = _mm256_cvtepi8_epi16(codes);
    unpack_planes2(w + 32, c->q);
    // The third bit of element 32 v + l: bit v of hmask[l].
    const __m256i hm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i four = _mm256_set1_epi8(4);
    for (int v = 0; v < 8; ++v) {
      const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << v));
      const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit);
      c->q[v] = _mm256_or_si256(c->q[v], _mm256_and_si256(set, four));
      c->sc[v] = half_scales(sc[2 * v], sc[2 * v + 1]);
    }
    d = load_f16(w + 108);
  }

  float finish(const ActQ8K& a, int sum) const {
    const int offset_sum = hsum_epi32(_mm256_madd_epi16(scales, a.bsums()));
    return (a.d() * d) * static_cast<float>(sum - 4 * offset_sum);
  }
};

// IQ4_XS, 136 bytes: [0,2) d | [2,4) scales_h | [4,8) scales_l | [8,136) qs (sub-block
// s in qs[16 s, 16 s + 16), Q4_0 nibble order). Signed levels, scales c - 32.
struct KIQ4XS {
  static constexpr size_t kBytes = 136;
  static constexpr bool kSignedCodes = true;
  float d;

  void unpack(const uint8_t* w, KCodes* c) {
    uint16_t sh;
    std::memcpy(&sh, w + 2, sizeof(sh));
    const __m256i levels = iq4_levels();
    for (int s = 0; s < 8; ++s) {
      const int low = (w[4 + s / 2] >> (4 * (s % 2))) & 0x0f;
      const int high = (sh >> (2 * s)) & 3;
      c->sc[s] = _mm256_set1_epi16(static_cast<int16_t>((low | (high << 4)) - 32));
      c->q[s] = iq4_lookup(w + 8 + 16 * s, levels);
    }
    d = load_f16(w);
  }

  // As vec_dot_block(BlockIQ4_XS, BlockQ8_K): (d_w * d_a) * sum.
  float finish(const ActQ8K& a, int sum) const { return (d * a.d()) * static_cast<float>(sum); }
};

// IQ4_NL as a legacy 32-block weight (18 bytes: d, 16 nibble bytes): signed levels
// through the sign trick, exact as |level| <= 127 and Q8_0 codes lie in [-127, 127].
struct WIQ4_NL {
  static constexpr size_t kBytes = 18;
  static constexpr bool kSigned = true, kMin = false;
  static constexpr int kOffset = 0;
  static __m256i codes(const uint8_t* b) { return iq4_lookup(b + 2, iq4_levels()); }
};

}  // namespace herd::HERD_SIMD_NS
