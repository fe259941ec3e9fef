// The AVX-512 VNNI matmul of Q4_K, Q5_K and Q6_K weights (the types of Q4_K_M and
// Q5_K_M files) with Q8_K activations. Below kGemmKMinTokens tokens (decode, small
// batches, speculative drafts) it runs kquant_decode_avx512.h instead: both equal the
// reference bit for bit, so a row's result still never depends on the batch (batch
// invariance).
//
// Per (row, token) and super-block the integer sums are exact and the float steps are
// vec_dot_block's in kquant_ref.cc, in its order, so every result equals vec_dot_ref
// bit for bit, as the single-row kernels of simd_kquant_ops.h do too.
//
// Panel (16 rows, one row per int32 lane, see gemm_avx512_panel.h), per super-block:
// 64 code vectors (vector 8 k + j: elements 32 k + 4 j .. + 3), then the sub-block scales
// as int32 lanes, then int16 pairs for `vpdpwssd` against the activation's 16-element
// sums (Q4_K: (min_s, min_s) x (bsum 2s, bsum 2s+1); Q6_K: (sc 2p, sc 2p+1) x (bsum 2p,
// bsum 2p+1)), then the fp16 scales widened. Hot spot: per 32 elements and token,
// 8 `vpdpbusd` then one `vpmulld` by the sub-block scale (Q6_K: two, 16-element blocks).
#pragma once

#include "kernels/gemm_avx512_panel.h"
#include "kernels/kquant_decode_avx512.h"
#include "kernels/simd_float_dot.h"
#include "kernels/simd_kquant_ops.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

namespace herd::HERD_SIMD_NS {

struct KPanel {
  static constexpr size_t kCodes = 0;             // 64 x 64 bytes
  static constexpr size_t kScales = 64 * 64;      // 16 x int32 lanes (Q4_K uses 8)
  static constexpr size_t kPairs = kScales + 16 * 64;  // 8 x int16-pair lanes
  static constexpr size_t kD = kPairs + 8 * 64;   // d, then dmin (Q4_K)
  static constexpr size_t kBytes = kD + 2 * 64;
};

// Writes the 64 code vectors of 16 unpacked rows.
inline void store_kcodes(const KCodes* c, uint8_t* out) {
  for (int k = 0; k < 8; ++k) {
    __m256i rows[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) rows[r] = c[r].q[k];
    __m512i d[8];
    transpose_16x8(rows, d);
    for (int j = 0; j < 8; ++j) _mm512_store_si512(out + KPanel::kCodes + 64 * (8 * k + j), d[j]);
  }
}

// Q4_K (kFifth false) and Q5_K (codes 0..31, same scales and float steps).
template <bool kFifth>
struct GemmQ45K {
  using Rows = KQ45<kFifth>;  // the single-row kernel
  using Decode = KDecode45<kFifth>;
  static constexpr size_t kBytes = Rows::kBytes;
  static void pack(const uint8_t* const* p, size_t off, uint8_t* out) {
    KCodes c[kPanelRows];
    // Scalar stores straight into the panel: read back only by the micro kernel, long
    // after they retired (no store-forwarding stalls).
    for (int r = 0; r < kPanelRows; ++r) {
      const uint8_t* w = p[r] + off;
      Rows k;
      k.unpack(w, &c[r]);
      for (int s = 0; s < 8; ++s) {
        int scale, m;
        k_scale_min(w + 4, s, &scale, &m);
        const int32_t sc = scale;
        const uint32_t pair = static_cast<uint32_t>(m) | (static_cast<uint32_t>(m) << 16);
        std::memcpy(out + KPanel::kScales + 64 * s + 4 * r, &sc, 4);
        std::memcpy(out + KPanel::kPairs + 64 * s + 4 * r, &pair, 4);
      }
      std::memcpy(out + KPanel::kD + 4 * r, &k.d, 4);
      std::memcpy(out + KPanel::kD + 64 + 4 * r, &k.dmin, 4);
    }
    store_kcodes(c, out);
  }

  // As vec_dot_block(BlockQ4_K / BlockQ5_K, BlockQ8_K) for 16 rows x T tokens of one
  // super-block.
  template <int T>
  static void block(const uint8_t* pw, const uint8_t* const* a, __m512* acc) {
    __m512i sum[T];
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) sum[t] = _mm512_setzero_si512();
    for (int k = 0; k < 8; ++k) {
      __m512i w[8];
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) w[j] = _mm512_load_si512(pw + KPanel::kCodes + 64 * (8 * k + j));
      const __m512i sc = _mm512_load_si512(pw + KPanel::kScales + 64 * k);
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) {
        const uint8_t* q = a[t] + 4 + 32 * k;
        __m512i s = _mm512_setzero_si512(), s_hi = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          s = _mm512_dpbusd_epi32(s, w[j], _mm512_set1_epi32(load_i32(q + 4 * j)));
          s_hi = _mm512_dpbusd_epi32(s_hi, w[4 + j], _mm512_set1_epi32(load_i32(q + 16 + 4 * j)));
        }
        sum[t] = _mm512_add_epi32(sum[t], _mm512_mullo_epi32(_mm512_add_epi32(s, s_hi), sc));
      }
    }
    const __m512 dw = _mm512_load_ps(pw + KPanel::kD);
    const __m512 dminw = _mm512_load_ps(pw + KPanel::kD + 64);
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      __m512i min_sum = _mm512_setzero_si512();
#pragma GCC unroll 8
      for (int s = 0; s < 8; ++s) {
        min_sum = _mm512_dpwssd_epi32(min_sum, _mm512_load_si512(pw + KPanel::kPairs + 64 * s),
                                      _mm512_set1_epi32(load_i32(a[t] + 260 + 4 * s)));
      }
      const __m512 ad = _mm512_set1_ps(load_f32(a[t]));
      const __m512 d = _mm512_mul_ps(ad, dw);
      const __m512 dmin = _mm512_mul_ps(ad, dminw);
      const __m512 v = _mm512_sub_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(sum[t])),
                                     _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(min_sum)));
      acc[t] = _mm512_add_ps(acc[t], v);
    }
  }
};

struct GemmQ6K {
  using Rows = KQ6;
  using Decode = KDecode6;
  static constexpr size_t kBytes = 210;
  static void pack(const uint8_t* const* p, size_t off, uint8_t* out) {
    KCodes c[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) {
      const uint8_t* w = p[r] + off;
      KQ6 k;
      k.unpack(w, &c[r]);
      for (int s = 0; s < 16; ++s) {
        const int32_t sc = k.scales[s];
        std::memcpy(out + KPanel::kScales + 64 * s + 4 * r, &sc, 4);
      }
      for (int q = 0; q < 8; ++q) {
        const uint32_t pair = static_cast<uint32_t>(static_cast<uint16_t>(k.scales[2 * q])) |
                              (static_cast<uint32_t>(static_cast<uint16_t>(k.scales[2 * q + 1])) << 16);
        std::memcpy(out + KPanel::kPairs + 64 * q + 4 * r, &pair, 4);
      }
      std::memcpy(out + KPanel::kD + 4 * r, &k.d, 4);
    }
    store_kcodes(c, out);
  }

  // As vec_dot_block(BlockQ6_K, BlockQ8_K): codes 0..63 with offset 32, which comes off
  // as 32 * sum_s sc_s * bsum_s.
  template <int T>
  static void block(const uint8_t* pw, const uint8_t* const* a, __m512* acc) {
    __m512i sum[T];
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) sum[t] = _mm512_setzero_si512();
    for (int k = 0; k < 8; ++k) {
      __m512i w[8];
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) w[j] = _mm512_load_si512(pw + KPanel::kCodes + 64 * (8 * k + j));
      const __m512i sc0 = _mm512_load_si512(pw + KPanel::kScales + 64 * (2 * k));
      const __m512i sc1 = _mm512_load_si512(pw + KPanel::kScales + 64 * (2 * k + 1));
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) {
        const uint8_t* q = a[t] + 4 + 32 * k;
        __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          s0 = _mm512_dpbusd_epi32(s0, w[j], _mm512_set1_epi32(load_i32(q + 4 * j)));
          s1 = _mm512_dpbusd_epi32(s1, w[4 + j], _mm512_set1_epi32(load_i32(q + 16 + 4 * j)));
        }
        sum[t] = _mm512_add_epi32(sum[t], _mm512_add_epi32(_mm512_mullo_epi32(s0, sc0), _mm512_mullo_epi32(s1, sc1)));
      }
    }
    const __m512 dw = _mm512_load_ps(pw + KPanel::kD);
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      __m512i offset = _mm512_setzero_si512();
#pragma GCC unroll 8
      for (int q = 0; q < 8; ++q) {
        offset = _mm512_dpwssd_epi32(offset, _mm512_load_si512(pw + KPanel::kPairs + 64 * q),
                                     _mm512_set1_epi32(load_i32(a[t] + 260 + 4 * q)));
      }
      const __m512i total = _mm512_sub_epi32(sum[t], _mm512_slli_epi32(offset, 5));
      const __m512 d = _mm512_mul_ps(_mm512_set1_ps(load_f32(a[t])), dw);
      acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(d, _mm512_cvtepi32_ps(total)));
    }
  }
};

// 16 rows x T tokens over nbc super-blocks of a packed panel.
template <class G, int T>
void gemm_k_micro(const uint8_t* panel, int64_t nbc, const uint8_t* acts, size_t act_bytes, float* y,
                  int64_t y_stride, bool first, __mmask16 mask) {
  __m512 acc[T];
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) acc[t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask, y + t * y_stride);
  for (int64_t b = 0; b < nbc; ++b) {
    const uint8_t* a[T];
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) a[t] = acts + t * act_bytes + b * kQ8KBytes;
    G::template block<T>(panel + b * KPanel::kBytes, a, acc);
  }
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * y_stride, mask, acc[t]);
}

// Tokens per micro kernel: 8 integer sums and 8 float accumulators next to 8 code
// vectors and a scale vector fill most of the 32 registers.
inline constexpr int kGemmKT = 8;

// Below this many tokens packing a panel costs more than it saves: the decode kernel
// (no packing, 16 rows x up to 3 tokens per pass) was faster per call up to about 20
// tokens for Q4_K and 30 for Q6_K (2048 x 2048, one thread, this machine).
inline constexpr int64_t kGemmKMinTokens = 16;

// Same contract as VecDotTileFn, over any n_rows; Q8_K activation rows.
template <class G>
void gemm_k(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
            int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  // K-chunk of 4 super-blocks: a 23 KB panel next to a token group's 9 KB in L1.
  if (n_acts < kGemmKMinTokens) {
    // Decode: 16 rows at a time with no panel to pack (kquant_decode_avx512.h; same
    // results bit for bit).
    kquant_decode<typename G::Decode>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
    return;
  }
  constexpr int64_t kChunk = 4;
  alignas(64) uint8_t panel[kChunk * KPanel::kBytes];
  const int64_t nb = n / kQK;
  for (int64_t r0 = 0; r0 < n_rows; r0 += kPanelRows) {
    const int64_t nr = n_rows - r0 < kPanelRows ? n_rows - r0 : kPanelRows;
    const __mmask16 mask = row_mask(nr);
    const uint8_t* p[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) p[r] = rows + static_cast<size_t>(r0 + (r < nr ? r : nr - 1)) * row_bytes;
    for (int64_t c0 = 0; c0 < nb; c0 += kChunk) {
      const int64_t nbc = nb - c0 < kChunk ? nb - c0 : kChunk;
      for (int64_t b = 0; b < nbc; ++b) G::pack(p, static_cast<size_t>(c0 + b) * G::kBytes, panel + b * KPanel::kBytes);
      const uint8_t* a0 = acts + c0 * kQ8KBytes;
      float* y0 = y + r0;
      const bool first = c0 == 0;
      int64_t t = 0;
      for (; t + kGemmKT <= n_acts; t += kGemmKT) {
        gemm_k_micro<G, kGemmKT>(panel, nbc, a0 + t * act_bytes, act_bytes, y0 + t * y_stride, y_stride, first, mask);
      }
      const uint8_t* at = a0 + t * act_bytes;
      float* yt = y0 + t * y_stride;
      static_assert(kGemmKT == 8, "the remainder switch covers 1..7 tokens");
      switch (n_acts - t) {
        case 1: gemm_k_micro<G, 1>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 2: gemm_k_micro<G, 2>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 3: gemm_k_micro<G, 3>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 4: gemm_k_micro<G, 4>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 5: gemm_k_micro<G, 5>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 6: gemm_k_micro<G, 6>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        case 7: gemm_k_micro<G, 7>(panel, nbc, at, act_bytes, yt, y_stride, first, mask); break;
        default: break;
      }
    }
  }
}

}  // namespace herd::HERD_SIMD_NS

#endif
