// Decode (fewer than kGemmKMinTokens tokens) matmul of Q4_K, Q5_K and Q6_K weights with
// Q8_K activations on AVX-512 VNNI: 16 weight rows at a time, full 512-bit vectors, no
// horizontal sum per super-block, no panel packing.
//
// Per row and super-block: two 64-byte loads of packed codes, nibbles split into four
// vectors of 64 codes (`vpmaddubsw` with the activation, then `vpdpwssd` with the int16
// sub-block scales) into one int32 accumulator. The 16 rows' accumulators are then
// transposed and added in one tree (reduce_rows), which leaves row r's exact integer sum
// in lane r; the float steps of vec_dot_block (kquant_ref.cc) run on those lanes, per
// super-block in order, so every result equals vec_dot_ref bit for bit and a row never
// depends on how many tokens came with it (batch invariance, as the GEMM).
//
// The activation is copied once per call into the order the weight's nibbles come in
// (kDecodeAct* below), so a 64-byte code vector meets one ready-made 64-byte activation
// vector.
// Included by kernels_avx512.cc only (through gemm_avx512_kquant.h).
#pragma once

#include <vector>

#include "kernels/gemm_avx512_panel.h"
#include "kernels/simd_kquant_ops.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

namespace herd::HERD_SIMD_NS {

// One super-block of one token, re-laid for decode: [0,256) the int8 codes in the order
// of the weight's code vectors | [256,320) int16 terms for the activation's 16-element
// sums (see the weight types) | then the float d, padded to 64-byte alignment.
inline constexpr size_t kDecodeActBytes = 384;
inline constexpr size_t kDecodeActAux = 256;
inline constexpr size_t kDecodeActD = 320;

// The per-call scratch of one thread (grown once, never shrunk: no allocation per token).
inline uint8_t* decode_act_scratch(size_t bytes) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < bytes + 64) buf.resize(bytes + 64);
  const uintptr_t p = reinterpret_cast<uintptr_t>(buf.data());
  return reinterpret_cast<uint8_t*>((p + 63) & ~uintptr_t{63});
}

// One level of the row-sum tree (reduce_rows): a and b hold 2^(L-1) rows each with
// 16 / 2^(L-1) lanes per row; the result holds all of them with half as many lanes.
template <int kLevel>
inline __m512i fold_rows(__m512i a, __m512i b) {
  if constexpr (kLevel == 1) {
    // [a lanes 0-7 | b lanes 0-7] + [a lanes 8-15 | b lanes 8-15]
    return _mm512_add_epi32(_mm512_shuffle_i64x2(a, b, 0x44), _mm512_shuffle_i64x2(a, b, 0xee));
  } else if constexpr (kLevel == 2) {
    // Two rows of 8 lanes per input: 128-bit lanes (0, 2) and (1, 3) of each.
    return _mm512_add_epi32(_mm512_shuffle_i64x2(a, b, 0x88), _mm512_shuffle_i64x2(a, b, 0xdd));
  } else {
    // m lanes per row in: output lane i < 8 takes row i / (m / 2) of a, i >= 8 of b.
    constexpr int m = 16 >> (kLevel - 1);
    alignas(64) static constexpr auto kIdx = [] {
      struct {
        int32_t lo[16], hi[16];
      } x{};
      for (int i = 0; i < 16; ++i) {
        const int ii = i % 8, row = ii / (m / 2), j = ii % (m / 2), src = i < 8 ? 0 : 16;
        x.lo[i] = src + row * m + j;
        x.hi[i] = src + row * m + m / 2 + j;
      }
      return x;
    }();
    const __m512i lo = _mm512_load_si512(kIdx.lo);
    const __m512i hi = _mm512_load_si512(kIdx.hi);
    return _mm512_add_epi32(_mm512_permutex2var_epi32(a, lo, b), _mm512_permutex2var_epi32(a, hi, b));
  }
}

// Lane r of the result is the sum of all 16 lanes of row r's accumulator, given the 16
// accumulators folded in pairs (l1[k]: rows 2k, 2k + 1 after level 1): 15 shuffle pairs
// and adds for what 16 horizontal sums would do.
inline __m512i reduce_rows(const __m512i* l1) {
  const __m512i a = fold_rows<2>(l1[0], l1[1]), b = fold_rows<2>(l1[2], l1[3]);
  const __m512i c = fold_rows<2>(l1[4], l1[5]), d = fold_rows<2>(l1[6], l1[7]);
  return fold_rows<4>(fold_rows<3>(a, b), fold_rows<3>(c, d));
}

// Q4_K (kFifth false) and Q5_K. Code vector j of a super-block: nibbles (j odd: high,
// even: low) of qs bytes [64 (j / 2), + 64), i.e. sub-blocks s(j) and s(j) + 2 with
// s = (0, 1, 4, 5); the activation vector j holds those elements in that order.
template <bool kFifth>
struct KDecode45 {
  static constexpr size_t kBytes = kFifth ? 176 : 144;
  static constexpr size_t kQs = kFifth ? 48 : 16;

  // aux: int16 pairs (bs_0, bs_2), (bs_1, bs_3), (bs_4, bs_6), (bs_5, bs_7), where bs_s =
  // bsums[2 s] + bsums[2 s + 1] (|bs| <= 32 * 128), matching the min codes' byte order.
  static void prepare(const uint8_t* q8k, uint8_t* out) {
    static constexpr int kSrc[8] = {0, 64, 32, 96, 128, 192, 160, 224};
    for (int i = 0; i < 8; ++i) std::memcpy(out + 32 * i, q8k + 4 + kSrc[i], 32);
    int16_t bsums[16], bs[8];
    std::memcpy(bsums, q8k + 260, sizeof(bsums));
    static constexpr int kOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (int i = 0; i < 8; ++i) bs[i] = static_cast<int16_t>(bsums[2 * kOrder[i]] + bsums[2 * kOrder[i] + 1]);
    std::memset(out + kDecodeActAux, 0, 64);
    std::memcpy(out + kDecodeActAux, bs, sizeof(bs));
  }

  // 16 rows (row r at base + off[r]) x T tokens of one super-block, added to total[t].
  template <int T>
  static void block(const uint8_t* base, const size_t* off, const uint8_t* const* act, __m512* total) {
    // Rows as lanes: dword 0 (d, dmin), 1-3 (the 12 scale bytes u0 u1 u2) of every row.
    const uint8_t* p[kPanelRows];
#pragma GCC unroll 16
    for (int r = 0; r < kPanelRows; ++r) p[r] = base + off[r];
    __m512i head[4];
    transpose_16x4(p, 0, head);
    const __m512i lo6 = _mm512_set1_epi8(0x3f), lo4 = _mm512_set1_epi8(0x0f), hi2 = _mm512_set1_epi8(0x30);
    // The 6-bit codes as k_scales_mins decodes them, four per lane (byte k: code k / k + 4).
    const __m512i sc03 = _mm512_and_si512(head[1], lo6);
    const __m512i m03 = _mm512_and_si512(head[2], lo6);
    const __m512i sc47 = _mm512_or_si512(_mm512_and_si512(head[3], lo4), _mm512_and_si512(_mm512_srli_epi32(head[1], 2), hi2));
    const __m512i m47 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(head[3], 4), lo4),
                                        _mm512_and_si512(_mm512_srli_epi32(head[2], 2), hi2));
    // min_sum of every row, exact: int16 pairs (m0, m2), (m1, m3), (m4, m6), (m5, m7).
    const __m512i even = _mm512_set1_epi32(0x00ff00ff);
    const __m512i mp[4] = {_mm512_and_si512(m03, even), _mm512_srli_epi16(m03, 8), _mm512_and_si512(m47, even),
                           _mm512_srli_epi16(m47, 8)};
    __m512i min_sum[T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      min_sum[t] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        min_sum[t] = _mm512_dpwssd_epi32(min_sum[t], mp[k], _mm512_set1_epi32(load_i32(act[t] + kDecodeActAux + 4 * k)));
      }
    }
    // Each row's eight scale codes as one qword (row r: sc0..sc3 then sc4..sc7), read back
    // per row below and spread into int16 scale vectors.
    alignas(64) uint8_t scq[128];
    _mm512_store_si512(scq, _mm512_unpacklo_epi32(sc03, sc47));  // rows 4 i, 4 i + 1
    _mm512_store_si512(scq + 64, _mm512_unpackhi_epi32(sc03, sc47));  // rows 4 i + 2, 4 i + 3
    // Through memory on purpose: a qword broadcast from memory is a plain load, where
    // extracting it from a register costs two shuffles on the port the rows need.
    asm volatile("" : : "r"(scq) : "memory");
    // Scale vector j, 128-bit lane k: sub-block kSub[j][k] as int16 (high bytes zero).
    const __m512i spread[4] = {
        _mm512_set_epi64(0x8002800280028002, 0x8002800280028002, 0x8002800280028002, 0x8002800280028002,
                         0x8000800080008000, 0x8000800080008000, 0x8000800080008000, 0x8000800080008000),
        _mm512_set_epi64(0x8003800380038003, 0x8003800380038003, 0x8003800380038003, 0x8003800380038003,
                         0x8001800180018001, 0x8001800180018001, 0x8001800180018001, 0x8001800180018001),
        _mm512_set_epi64(0x8006800680068006, 0x8006800680068006, 0x8006800680068006, 0x8006800680068006,
                         0x8004800480048004, 0x8004800480048004, 0x8004800480048004, 0x8004800480048004),
        _mm512_set_epi64(0x8007800780078007, 0x8007800780078007, 0x8007800780078007, 0x8007800780078007,
                         0x8005800580058005, 0x8005800580058005, 0x8005800580058005, 0x8005800580058005)};
    __m512i a[T][4];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) a[t][j] = _mm512_load_si512(act[t] + 64 * j);
    }
    __m512i l1[T][8];
#pragma GCC unroll 16
    for (int r = 0; r < kPanelRows; ++r) {
      const uint8_t* w = p[r];
      uint64_t sq;
      std::memcpy(&sq, scq + (r % 4 < 2 ? 0 : 64) + 16 * (r / 4) + 8 * (r % 2), 8);
      const __m512i sb = _mm512_set1_epi64(static_cast<long long>(sq));
      const __m512i q0 = _mm512_loadu_si512(w + kQs);
      const __m512i q1 = _mm512_loadu_si512(w + kQs + 64);
      __m512i c[4] = {_mm512_and_si512(q0, lo4), _mm512_and_si512(_mm512_srli_epi16(q0, 4), lo4),
                      _mm512_and_si512(q1, lo4), _mm512_and_si512(_mm512_srli_epi16(q1, 4), lo4)};
      if constexpr (kFifth) {
        // Bit s of qh[l] is the fifth bit of element 32 s + l: vector j's halves take bits
        // s(j) and s(j) + 2.
        const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16)));
        const __m512i sixteen = _mm512_set1_epi8(16);
        static constexpr int kS[4] = {0, 1, 4, 5};
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          const __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << kS[j])),
                                                 _mm256_set1_epi8(static_cast<char>(1 << (kS[j] + 2))), 1);
          c[j] = _mm512_mask_add_epi8(c[j], _mm512_test_epi8_mask(qh, bit), c[j], sixteen);
        }
      }
      __m512i sc[4];
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) sc[j] = _mm512_shuffle_epi8(sb, spread[j]);
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        // Pair sums fit int16: codes <= 31, |a| <= 128.
        __m512i acc = _mm512_madd_epi16(_mm512_maddubs_epi16(c[0], a[t][0]), sc[0]);
#pragma GCC unroll 3
        for (int j = 1; j < 4; ++j) acc = _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(c[j], a[t][j]), sc[j]);
        if (r % 2 == 0) {
          l1[t][r / 2] = acc;
        } else {
          l1[t][r / 2] = fold_rows<1>(l1[t][r / 2], acc);
        }
      }
    }
    const __m512i dm = head[0];
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm));
    const __m512 dminw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16)));
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const __m512i sum = reduce_rows(l1[t]);
      const __m512 ad = _mm512_set1_ps(load_f32(act[t] + kDecodeActD));
      const __m512 d = _mm512_mul_ps(ad, dw);
      const __m512 dmin = _mm512_mul_ps(ad, dminw);
      const __m512 v = _mm512_sub_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(sum)),
                                     _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(min_sum[t])));
      total[t] = _mm512_add_ps(total[t], v);
    }
  }
};

// Q6_K (210 bytes: [0,128) ql | [128,192) qh | [192,208) int8 scales | [208,210) d).
// Code vector j holds elements 64 j .. 64 j + 63 in order (low nibbles of ql bytes
// [64 (j / 2), + 64) for even j, high for odd), so the activation keeps its order. The
// offset 32 of the codes comes off inside the same accumulator: aux holds -bsums, met by
// 32 * scale.
struct KDecode6 {
  static constexpr size_t kBytes = 210;

  static void prepare(const uint8_t* q8k, uint8_t* out) {
    std::memcpy(out, q8k + 4, 256);
    int16_t bsums[32] = {};
    std::memcpy(bsums, q8k + 260, 32);
    for (int s = 0; s < 16; ++s) bsums[s] = static_cast<int16_t>(-bsums[s]);  // |bsum| <= 16 * 128
    std::memcpy(out + kDecodeActAux, bsums, sizeof(bsums));
  }

  template <int T>
  static void block(const uint8_t* base, const size_t* off, const uint8_t* const* act, __m512* total) {
    const __m512i lo4 = _mm512_set1_epi8(0x0f), hi2 = _mm512_set1_epi8(0x30);
    // Top two bits: element 128 h + 32 i + l takes bits 2 i, 2 i + 1 of qh[32 h + l].
    // Per 256-bit half of a vector (i = 0, 1 for even j; 2, 3 for odd j) they are moved
    // to bits 4-5 by a per-half shift.
    const __m512i shl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i shr = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
    // Scale vector j, 128-bit lane k: sub-block 4 j + k.
    __m512i pick[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      pick[j] = _mm512_inserti64x4(
          _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(static_cast<short>(4 * j))),
                                                         _mm_set1_epi16(static_cast<short>(4 * j + 1)), 1)),
          _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(static_cast<short>(4 * j + 2))),
                                  _mm_set1_epi16(static_cast<short>(4 * j + 3)), 1),
          1);
    }
    __m512i a[T][4], neg_bsums[T];
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) a[t][j] = _mm512_load_si512(act[t] + 64 * j);
      neg_bsums[t] = _mm512_load_si512(act[t] + kDecodeActAux);
    }
    __m512i l1[T][8];
    alignas(64) int32_t dbits[kPanelRows];
#pragma GCC unroll 16
    for (int r = 0; r < kPanelRows; ++r) {
      const uint8_t* w = base + off[r];
      const __m512i ql0 = _mm512_loadu_si512(w);
      const __m512i ql1 = _mm512_loadu_si512(w + 64);
      const __m512i qh0 = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 128)));
      const __m512i qh1 = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 160)));
      // (x & 0x30) | nibble: vpternlogd 0xEA is (A & B) | C.
      const __m512i c[4] = {
          _mm512_ternarylogic_epi32(_mm512_sllv_epi16(qh0, shl), hi2, _mm512_and_si512(ql0, lo4), 0xea),
          _mm512_ternarylogic_epi32(_mm512_srlv_epi16(qh0, shr), hi2,
                                    _mm512_and_si512(_mm512_srli_epi16(ql0, 4), lo4), 0xea),
          _mm512_ternarylogic_epi32(_mm512_sllv_epi16(qh1, shl), hi2, _mm512_and_si512(ql1, lo4), 0xea),
          _mm512_ternarylogic_epi32(_mm512_srlv_epi16(qh1, shr), hi2,
                                    _mm512_and_si512(_mm512_srli_epi16(ql1, 4), lo4), 0xea)};
      const __m512i sc16 =
          _mm512_zextsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192))));
      const __m512i sc32 = _mm512_slli_epi16(sc16, 5);  // |32 scale| <= 4096
      __m512i sc[4];
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) sc[j] = _mm512_permutexvar_epi16(pick[j], sc16);
      dbits[r] = load_i32(w + 206);  // d in the high half: stays inside the block
#pragma GCC unroll 4
      for (int t = 0; t < T; ++t) {
        // Pair sums fit int16: codes <= 63, |a| <= 128. The upper half of sc32 meets
        // zeros in neg_bsums.
        __m512i acc = _mm512_madd_epi16(sc32, neg_bsums[t]);
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) acc = _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(c[j], a[t][j]), sc[j]);
        if (r % 2 == 0) {
          l1[t][r / 2] = acc;
        } else {
          l1[t][r / 2] = fold_rows<1>(l1[t][r / 2], acc);
        }
      }
    }
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(_mm512_load_si512(dbits), 16)));
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const __m512i sum = reduce_rows(l1[t]);
      const __m512 d = _mm512_mul_ps(_mm512_set1_ps(load_f32(act[t] + kDecodeActD)), dw);
      total[t] = _mm512_add_ps(total[t], _mm512_mul_ps(d, _mm512_cvtepi32_ps(sum)));
    }
  }
};

// Tokens per pass over a panel: the activation vectors (4 per token) and the
// accumulators of 3 tokens still fit the 32 registers next to a row's code vectors.
inline constexpr int kDecodeGroup = 3;

// One 16-row panel (row r at panel + off[r]) x T tokens (prepared rows t at
// prepared + t * nb super-blocks) over all nb super-blocks; nr rows are stored.
template <class D, int T>
void kquant_decode_panel(const uint8_t* panel, const size_t* off, int64_t nr, const uint8_t* prepared, int64_t nb,
                         const uint8_t* prefetch, size_t prefetch_share, float* y, int64_t y_stride) {
  __m512 total[T];
  for (int t = 0; t < T; ++t) total[t] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    if (prefetch != nullptr) {
      const uint8_t* pf = prefetch + static_cast<size_t>(b) * prefetch_share;
      for (size_t i = 0; i < prefetch_share; i += 64) _mm_prefetch(reinterpret_cast<const char*>(pf + i), _MM_HINT_T1);
    }
    const uint8_t* act[T];
    for (int t = 0; t < T; ++t) act[t] = prepared + static_cast<size_t>(t * nb + b) * kDecodeActBytes;
    D::template block<T>(panel + static_cast<size_t>(b) * D::kBytes, off, act, total);
  }
  const __mmask16 mask = row_mask(nr);
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * y_stride, mask, total[t]);
}

// Same contract as VecDotTileFn, Q8_K activation rows. Tokens go in groups of up to
// kDecodeGroup over one panel while it is in cache; every (row, token) takes the same
// steps whatever the group, so results do not depend on the token count.
template <class D>
void kquant_decode(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
                   int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  const int64_t nb = n / kQK;
  uint8_t* prepared = decode_act_scratch(static_cast<size_t>(n_acts * nb) * kDecodeActBytes);
  for (int64_t t = 0; t < n_acts; ++t) {
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* q8k = acts + static_cast<size_t>(t) * act_bytes + static_cast<size_t>(b) * kQ8KBytes;
      uint8_t* out = prepared + static_cast<size_t>(t * nb + b) * kDecodeActBytes;
      D::prepare(q8k, out);
      std::memcpy(out + kDecodeActD, q8k, 4);
    }
  }
  // The next panel is one contiguous run of bytes, read in (super-block, row) order that
  // the hardware prefetchers follow poorly: it is prefetched into L2 line by line, a
  // share per super-block, during the first token group over this panel.
  const size_t panel_bytes = kPanelRows * row_bytes;
  const size_t share = (panel_bytes / static_cast<size_t>(nb) + 63) & ~size_t{63};
  for (int64_t r0 = 0; r0 < n_rows; r0 += kPanelRows) {
    const int64_t nr = n_rows - r0 < kPanelRows ? n_rows - r0 : kPanelRows;
    size_t off[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) off[r] = static_cast<size_t>(r < nr ? r : nr - 1) * row_bytes;
    const uint8_t* panel = rows + static_cast<size_t>(r0) * row_bytes;
    const uint8_t* next = r0 + 2 * kPanelRows <= n_rows ? panel + panel_bytes : nullptr;
    for (int64_t t0 = 0; t0 < n_acts; t0 += kDecodeGroup) {
      const uint8_t* pt = prepared + static_cast<size_t>(t0 * nb) * kDecodeActBytes;
      const uint8_t* pf = t0 == 0 ? next : nullptr;
      float* yt = y + t0 * y_stride + r0;
      static_assert(kDecodeGroup == 3, "the switch covers groups of 1..3 tokens");
      switch (n_acts - t0 < kDecodeGroup ? n_acts - t0 : kDecodeGroup) {
        case 1: kquant_decode_panel<D, 1>(panel, off, nr, pt, nb, pf, share, yt, y_stride); break;
        case 2: kquant_decode_panel<D, 2>(panel, off, nr, pt, nb, pf, share, yt, y_stride); break;
        case 3: kquant_decode_panel<D, 3>(panel, off, nr, pt, nb, pf, share, yt, y_stride); break;
        default: break;
      }
    }
  }
}

}  // namespace herd::HERD_SIMD_NS

#endif
