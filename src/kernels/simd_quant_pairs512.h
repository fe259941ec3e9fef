// AVX-512 form of quant_micro_tile (simd_quant_ops.h): two 32-element blocks per
// 512-bit register, block b in the low 256 bits and b + 1 in the high ones, so one
// vpdpbusd / convert / FMA covers both. The integer sums per block are the same exact
// values; only the float summation order differs (within the same bound). An odd last
// block runs with a zero high half. Included by simd_quant_ops.h in the AVX-512
// variant only.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

namespace herd::HERD_SIMD_NS {

inline __m512i join256(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
inline __m512 join_scales(float lo, float hi) {
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_set1_ps(lo))),
                                             _mm256_castps_pd(_mm256_set1_ps(hi)), 1));
}

// One step over blocks b and (kTwo) b + 1.
template <class W, class A, int R, int T, bool kTwo>
inline void quant_pair_step(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t b,
                            __m512 (&acc)[R][T], float (&acc_min)[R][T]) {
  __m512i wu[R];
  __mmask64 neg[R];
  __m512 dw[R];
  float mw0[R], mw1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const uint8_t* blk = rows + r * row_bytes + b * W::kBytes;
    const __m512i ws = join256(W::codes(blk), kTwo ? W::codes(blk + W::kBytes) : _mm256_setzero_si256());
    if constexpr (W::kSigned) {
      neg[r] = _mm512_movepi8_mask(ws);
      wu[r] = _mm512_abs_epi8(ws);
    } else {
      neg[r] = 0;
      wu[r] = ws;
    }
    dw[r] = join_scales(load_f16(blk), kTwo ? load_f16(blk + W::kBytes) : 0.0f);
    mw0[r] = W::kMin ? load_f16(blk + 2) : 0.0f;
    mw1[r] = (W::kMin && kTwo) ? load_f16(blk + W::kBytes + 2) : 0.0f;
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    const uint8_t* ablk = acts + t * act_bytes + b * A::kBytes;
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ablk + A::kQs));
    const __m256i a1 =
        kTwo ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ablk + A::kBytes + A::kQs)) : _mm256_setzero_si256();
    const __m512i aq = join256(a0, a1);
    const __m512 da = join_scales(load_f16(ablk), kTwo ? load_f16(ablk + A::kBytes) : 0.0f);
    const float sa0 = W::kMin ? load_f16(ablk + 2) : 0.0f;
    const float sa1 = (W::kMin && kTwo) ? load_f16(ablk + A::kBytes + 2) : 0.0f;
    __m512i start = _mm512_setzero_si512();
    if constexpr (W::kOffset != 0) {
      start = _mm512_sub_epi32(start, _mm512_dpbusd_epi32(start, _mm512_set1_epi8(W::kOffset), aq));
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      // Signed weights: |w| x a with a negated where w < 0 (the 512-bit sign trick).
      const __m512i s_a = W::kSigned ? _mm512_mask_sub_epi8(aq, neg[r], _mm512_setzero_si512(), aq) : aq;
      const __m512i s = _mm512_dpbusd_epi32(start, wu[r], s_a);
      acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw[r], da), acc[r][t]);
      if constexpr (W::kMin) {
        acc_min[r][t] += mw0[r] * sa0;
        if constexpr (kTwo) acc_min[r][t] += mw1[r] * sa1;
      }
    }
  }
}

template <class W, class A, int R, int T>
void quant_micro_tile_pairs(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                            float* y, int64_t y_stride) {
  __m512 acc[R][T];
  float acc_min[R][T];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[r][t] = _mm512_setzero_ps();
      acc_min[r][t] = 0.0f;
    }
  }
  const int64_t nb = n / kQuantBlockSize;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) quant_pair_step<W, A, R, T, true>(rows, row_bytes, acts, act_bytes, b, acc, acc_min);
  if (b < nb) quant_pair_step<W, A, R, T, false>(rows, row_bytes, acts, act_bytes, b, acc, acc_min);
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) y[t * y_stride + r] = vhsum(acc[r][t]) + acc_min[r][t];
  }
}

}  // namespace herd::HERD_SIMD_NS

#endif
