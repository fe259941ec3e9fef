// Shared pieces of the AVX-512 VNNI prompt-processing GEMMs (gemm_avx512_q8.h,
// gemm_avx512_kquant.h): weight panels with one weight row per 32-bit lane.
//
// The GEMMs put 16 weight rows in the 16 int32 lanes of a zmm register: lane r of panel
// vector j holds four consecutive int8 codes of row r, so one `vpdpbusd` with a
// broadcast dword of four activation bytes advances 16 dot products by four elements
// each. Every code vector is reused by all tokens of a token group and every broadcast
// activation by all 16 rows, and a block's integer sum ends up in its row's own lane:
// no horizontal reductions, and the float steps per block are the reference's, lane by
// lane. Included by kernels_avx512.cc only (through simd_table.h).
#pragma once

#include "kernels/simd_quant_ops.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

namespace herd::HERD_SIMD_NS {

// Weight rows per panel: one per int32 lane.
inline constexpr int kPanelRows = 16;

inline int32_t load_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The lanes that hold real rows when only nr of the 16 exist (edge panels).
inline __mmask16 row_mask(int64_t nr) {
  return nr >= kPanelRows ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << nr) - 1u);
}

// 16 rows x 16 bytes (row r at p[r] + off) -> d[j], j < 4: lane r of d[j] is dword j of
// row r. Hot spot of the panel packing: 16 loads into four vectors (128-bit lane i of
// z[q] is row 4 i + q), then one 4 x 4 dword transpose inside every 128-bit lane, which
// leaves row 4 i + q at lane 4 i + q, in order.
inline void transpose_16x4(const uint8_t* const* p, size_t off, __m512i* d) {
  __m512i z[4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p[q] + off)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[4 + q] + off)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[8 + q] + off)), 2);
    z[q] = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[12 + q] + off)), 3);
  }
  const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]);
  const __m512i t1 = _mm512_unpackhi_epi32(z[0], z[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]);
  const __m512i t3 = _mm512_unpackhi_epi32(z[2], z[3]);
  d[0] = _mm512_unpacklo_epi64(t0, t2);
  d[1] = _mm512_unpackhi_epi64(t0, t2);
  d[2] = _mm512_unpacklo_epi64(t1, t3);
  d[3] = _mm512_unpackhi_epi64(t1, t3);
}

// The same for codes already unpacked into registers: 16 rows x 32 bytes -> d[j], j < 8.
inline void transpose_16x8(const __m256i* rows, __m512i* d) {
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    __m512i z[4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      const auto half = [&](int r) {
        return h == 0 ? _mm256_castsi256_si128(rows[r]) : _mm256_extracti128_si256(rows[r], 1);
      };
      __m512i v = _mm512_castsi128_si512(half(q));
      v = _mm512_inserti32x4(v, half(4 + q), 1);
      v = _mm512_inserti32x4(v, half(8 + q), 2);
      z[q] = _mm512_inserti32x4(v, half(12 + q), 3);
    }
    const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]);
    const __m512i t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]);
    const __m512i t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    d[4 * h + 0] = _mm512_unpacklo_epi64(t0, t2);
    d[4 * h + 1] = _mm512_unpackhi_epi64(t0, t2);
    d[4 * h + 2] = _mm512_unpacklo_epi64(t1, t3);
    d[4 * h + 3] = _mm512_unpackhi_epi64(t1, t3);
  }
}

// Copies the fp16 at p[r] + off of 16 rows to out (32 bytes). Kept as fp16 and widened
// by the micro kernel: a vector load right after these 2-byte stores would stall on
// store forwarding, one a whole chunk later does not.
inline void copy_f16x16(const uint8_t* const* p, size_t off, uint8_t* out) {
#pragma GCC unroll 16
  for (int r = 0; r < kPanelRows; ++r) std::memcpy(out + 2 * r, p[r] + off, sizeof(uint16_t));
}

inline __m512 load_f16x16(const uint8_t* p) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
}

}  // namespace herd::HERD_SIMD_NS

#endif
