// A kW x kW float transpose in registers, for the key blocks of simd_attention_tile.h:
// shuffles instead of kW * kW scalar moves (the block is transposed once and then
// reused by every query row of a tile). Included by kernels_<isa>.cc only.
#pragma once

#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

#if defined(__AVX512F__)

// dst[y * dst_stride + x] = rows[x][col + y] for x, y < 16.
inline void transpose_block(const float* const* rows, int col, float* dst, int dst_stride) {
  __m512 r[16], t[16];
  for (int x = 0; x < 16; ++x) r[x] = _mm512_loadu_ps(rows[x] + col);
  // t[x], t[x + 1] (x even): in 128-bit lane L, rows x and x + 1 interleaved at columns
  // 4L, 4L + 1 (t[x]) and 4L + 2, 4L + 3 (t[x + 1]).
  for (int x = 0; x < 16; x += 2) {
    t[x] = _mm512_unpacklo_ps(r[x], r[x + 1]);
    t[x + 1] = _mm512_unpackhi_ps(r[x], r[x + 1]);
  }
  // r[x + c] (x a multiple of 4, c < 4): in lane L, column 4L + c of rows x .. x + 3.
  for (int x = 0; x < 16; x += 4) {
    const __m512d a = _mm512_castps_pd(t[x]), b = _mm512_castps_pd(t[x + 2]);
    const __m512d c = _mm512_castps_pd(t[x + 1]), e = _mm512_castps_pd(t[x + 3]);
    r[x] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    r[x + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    r[x + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, e));
    r[x + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, e));
  }
  // Column 4L + c is lane L of r[c], r[4 + c], r[8 + c], r[12 + c].
  for (int c = 0; c < 4; ++c) {
    const __m512 a02 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);  // lanes 0, 2 of each
    const __m512 a13 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);  // lanes 1, 3 of each
    const __m512 b02 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 b13 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
    _mm512_storeu_ps(dst + c * dst_stride, _mm512_shuffle_f32x4(a02, b02, 0x88));
    _mm512_storeu_ps(dst + (c + 4) * dst_stride, _mm512_shuffle_f32x4(a13, b13, 0x88));
    _mm512_storeu_ps(dst + (c + 8) * dst_stride, _mm512_shuffle_f32x4(a02, b02, 0xdd));
    _mm512_storeu_ps(dst + (c + 12) * dst_stride, _mm512_shuffle_f32x4(a13, b13, 0xdd));
  }
}

#else

// dst[y * dst_stride + x] = rows[x][col + y] for x, y < 8.
inline void transpose_block(const float* const* rows, int col, float* dst, int dst_stride) {
  __m256 r[8], t[8];
  for (int x = 0; x < 8; ++x) r[x] = _mm256_loadu_ps(rows[x] + col);
  // As in the AVX-512 version, per 128-bit lane.
  for (int x = 0; x < 8; x += 2) {
    t[x] = _mm256_unpacklo_ps(r[x], r[x + 1]);
    t[x + 1] = _mm256_unpackhi_ps(r[x], r[x + 1]);
  }
  for (int x = 0; x < 8; x += 4) {
    r[x] = _mm256_shuffle_ps(t[x], t[x + 2], 0x44);
    r[x + 1] = _mm256_shuffle_ps(t[x], t[x + 2], 0xee);
    r[x + 2] = _mm256_shuffle_ps(t[x + 1], t[x + 3], 0x44);
    r[x + 3] = _mm256_shuffle_ps(t[x + 1], t[x + 3], 0xee);
  }
  for (int c = 0; c < 4; ++c) {
    _mm256_storeu_ps(dst + c * dst_stride, _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
    _mm256_storeu_ps(dst + (c + 4) * dst_stride, _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
  }
}

#endif

}  // namespace herd::HERD_SIMD_NS
