// The AVX-512 VNNI matmul of Q4_0 and Q8_0 weights (with Q8_0-quantized activations),
// for every number of tokens: decode (one token) and prompt processing alike, so a
// row's result never depends on the batch it came in (batch invariance).
//
// Every (row, token) result is computed exactly as vec_dot_ref does it: per 32-block an
// exact integer sum, then sum += (d_w * d_a) * float(isum), blocks in order from 0.0f.
// So it is bit-identical to the reference, whatever the tile shape, thread count, or
// chunking (float accumulators are parked in y between K-chunks, which is exact).
//
// Layout work happens once per panel (16 rows x one K-chunk): codes unpacked to u8 and
// transposed to one row per lane (gemm_avx512_panel.h), fp16 scales widened. Then each
// group of kGemmT tokens streams through it: per block and token 8 `vpdpbusd` with
// broadcast activation dwords, 4 float ops. The signed-offset correction (-8 * sum(a)
// for Q4_0 codes 0..15, -128 * sum(a) for Q8_0 codes stored as w + 128) is precomputed
// per activation block by gemm_q8_act_row, so it is just the accumulator's start value.
#pragma once

#include "kernels/gemm_avx512_panel.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

namespace herd::HERD_SIMD_NS {

// GEMM activation block, 32 elements: [0,4) d_a as float (the fp16 scale of the Q8_0
// block, widened) | [4,8) int32 -kOffset * sum(q) | [8,40) q (int8), with d_a and q
// exactly those of quantize_q8_row.
inline constexpr int kGemmQ8ActBytes = 40;

template <int kOffset>
void gemm_q8_act_row(const float* src, void* dst, int64_t n) {
  uint8_t* out = static_cast<uint8_t*>(dst);
  uint8_t blk[sizeof(BlockQ8_0)];
  for (int64_t b = 0; b < n / kQuantBlockSize; ++b, out += kGemmQ8ActBytes) {
    quantize_q8_row<false>(src + b * kQuantBlockSize, blk, kQuantBlockSize);
    const float d = load_f16(blk);
    int32_t sum = 0;
    for (int i = 0; i < kQuantBlockSize; ++i) sum += static_cast<int8_t>(blk[2 + i]);
    const int32_t start = -kOffset * sum;
    std::memcpy(out, &d, sizeof(d));
    std::memcpy(out + 4, &start, sizeof(start));
    std::memcpy(out + 8, blk + 2, kQuantBlockSize);
  }
}

// One packed block of a panel: 8 code vectors (lane r of vector j: u8 codes of row r,
// elements 4 j .. 4 j + 3) then the 16 rows' fp16 scales (padded to 64 bytes).
inline constexpr size_t kQ8PanelBlock = 8 * 64 + 64;

// Q4_0 (18 bytes: [0,2) d | [2,18) nibbles, element j low, j + 16 high): after the
// transpose, dword j holds elements 4 j.. in its low nibbles and 16 + 4 j.. in its high.
struct GemmQ4_0 {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static constexpr int kOffset = 8;
  // The 8 code vectors of one block of 16 rows, in registers.
  static void unpack(const uint8_t* const* p, size_t off, __m512i* w) {
    __m512i d[4];
    transpose_16x4(p, off + 2, d);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      w[j] = _mm512_and_si512(d[j], low4);
      w[4 + j] = _mm512_and_si512(_mm512_srli_epi16(d[j], 4), low4);
    }
  }
  static void pack(const uint8_t* const* p, size_t off, uint8_t* out) {
    __m512i w[8];
    unpack(p, off, w);
    for (int j = 0; j < 8; ++j) _mm512_store_si512(out + 64 * j, w[j]);
    copy_f16x16(p, off, out + 512);
  }
};

// Q8_0 (34 bytes: [0,2) d | [2,34) int8): codes become u8 as w + 128 (xor 0x80).
struct GemmQ8_0 {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static constexpr int kOffset = 128;
  static void unpack(const uint8_t* const* p, size_t off, __m512i* w) {
    __m512i lo[4], hi[4];
    transpose_16x4(p, off + 2, lo);
    transpose_16x4(p, off + 18, hi);
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      w[j] = _mm512_xor_si512(lo[j], flip);
      w[4 + j] = _mm512_xor_si512(hi[j], flip);
    }
  }
  static void pack(const uint8_t* const* p, size_t off, uint8_t* out) {
    __m512i w[8];
    unpack(p, off, w);
    for (int j = 0; j < 8; ++j) _mm512_store_si512(out + 64 * j, w[j]);
    copy_f16x16(p, off, out + 512);
  }
};

// Tokens per micro kernel: 16 float accumulators would fit too, but 8 keeps the
// integer chains of a block in flight without spilling.
inline constexpr int kGemmT = 8;

// One block of 16 rows and one token: acc + (d_w * d_a) * float(exact integer sum).
// Two dependency chains of four (vpdpbusd latency is 5 cycles), summed exactly.
inline __m512 gemm_q8_block_step(const __m512i* w, __m512 dw, const uint8_t* a, __m512 acc) {
  __m512i s = _mm512_set1_epi32(load_i32(a + 4));
  __m512i s_hi = _mm512_setzero_si512();
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    s = _mm512_dpbusd_epi32(s, w[j], _mm512_set1_epi32(load_i32(a + 8 + 4 * j)));
    s_hi = _mm512_dpbusd_epi32(s_hi, w[4 + j], _mm512_set1_epi32(load_i32(a + 24 + 4 * j)));
  }
  s = _mm512_add_epi32(s, s_hi);
  const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(load_f32(a)));
  return _mm512_add_ps(acc, _mm512_mul_ps(d, _mm512_cvtepi32_ps(s)));
}

// 16 rows x T tokens over nbc blocks of a packed panel. acts points at block 0 of the
// chunk of token 0. Hot spot: the inner token loop (8 vpdpbusd + cvt, 2 mul, add).
template <int T>
void gemm_q8_micro(const uint8_t* panel, int64_t nbc, const uint8_t* acts, size_t act_bytes, float* y,
                   int64_t y_stride, bool first, __mmask16 mask) {
  __m512 acc[T];
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) acc[t] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask, y + t * y_stride);
  for (int64_t b = 0; b < nbc; ++b) {
    const uint8_t* pw = panel + b * kQ8PanelBlock;
    __m512i w[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) w[j] = _mm512_load_si512(pw + 64 * j);
    const __m512 dw = load_f16x16(pw + 512);
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) acc[t] = gemm_q8_block_step(w, dw, acts + t * act_bytes + b * kGemmQ8ActBytes, acc[t]);
  }
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * y_stride, mask, acc[t]);
}

// The micro kernel for the last n < kGemmT tokens of a panel (one instantiation per count).
template <int T>
void gemm_q8_tail(int64_t n, const uint8_t* panel, int64_t nbc, const uint8_t* acts, size_t act_bytes, float* y,
                  int64_t y_stride, bool first, __mmask16 mask) {
  if constexpr (T > 0) {
    if (n == T) {
      gemm_q8_micro<T>(panel, nbc, acts, act_bytes, y, y_stride, first, mask);
    } else {
      gemm_q8_tail<T - 1>(n, panel, nbc, acts, act_bytes, y, y_stride, first, mask);
    }
  }
}

// Decode (a few tokens): nothing is reused enough to pay for a panel in memory, so each
// block of 16 rows is transposed in registers and met at once by the tokens; the fp16
// scales come with one gather. Same block steps as gemm_q8_micro: the same bits.
template <class G, int T>
void gemm_q8_decode(const uint8_t* const* p, int64_t nb, const uint8_t* acts, size_t act_bytes, float* y,
                    int64_t y_stride, __mmask16 mask, const uint8_t* next, size_t next_bytes) {
  // The next panel's rows are one contiguous span: it is fetched while this one is
  // computed, a few cache lines per block (16 interleaved row streams defeat the
  // hardware prefetcher's page-local stream detection).
  const size_t lines = (next_bytes + 63) / 64;
  const size_t lines_per_block = (lines + static_cast<size_t>(nb) - 1) / static_cast<size_t>(nb);
  alignas(64) int32_t offsets[kPanelRows];
  for (int r = 0; r < kPanelRows; ++r) offsets[r] = static_cast<int32_t>(p[r] - p[0]);
  const __m512i vindex = _mm512_load_si512(offsets);
  __m512 acc[T];
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const size_t off = static_cast<size_t>(b) * G::kBytes;
    for (size_t l = static_cast<size_t>(b) * lines_per_block, e = l + lines_per_block; l < e && l < lines; ++l) {
      _mm_prefetch(reinterpret_cast<const char*>(next + 64 * l), _MM_HINT_T0);
    }
    __m512i w[8];
    G::unpack(p, off, w);
    const __m512i d32 = _mm512_i32gather_epi32(vindex, p[0] + off, 1);
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d32));
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) acc[t] = gemm_q8_block_step(w, dw, acts + t * act_bytes + b * kGemmQ8ActBytes, acc[t]);
  }
#pragma GCC unroll 4
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * y_stride, mask, acc[t]);
}

// Up to this many tokens gemm_q8 takes the decode path.
inline constexpr int64_t kGemmQ8DecodeMax = 3;

// Same contract as VecDotTileFn, over any n_rows; activation rows from
// gemm_q8_act_row<G::kOffset>.
template <class G>
void gemm_q8(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
             int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  // K-chunk: the packed panel (18 KB) and a token group's activations (10 KB) share L1.
  constexpr int64_t kChunk = 32;
  alignas(64) uint8_t panel[kChunk * kQ8PanelBlock];
  const int64_t nb = n / kQuantBlockSize;
  for (int64_t r0 = 0; r0 < n_rows; r0 += kPanelRows) {
    const int64_t nr = n_rows - r0 < kPanelRows ? n_rows - r0 : kPanelRows;
    const __mmask16 mask = row_mask(nr);
    // Missing rows of an edge panel repeat the last real row; their lanes are never stored.
    const uint8_t* p[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) p[r] = rows + static_cast<size_t>(r0 + (r < nr ? r : nr - 1)) * row_bytes;
    if (n_acts <= kGemmQ8DecodeMax) {
      static_assert(kGemmQ8DecodeMax == 3, "the decode switch covers 1..3 tokens");
      const int64_t next_rows = n_rows - r0 - nr < kPanelRows ? n_rows - r0 - nr : kPanelRows;
      const uint8_t* next = rows + static_cast<size_t>(r0 + nr) * row_bytes;
      const size_t next_bytes = static_cast<size_t>(next_rows) * row_bytes;
      switch (n_acts) {
        case 1: gemm_q8_decode<G, 1>(p, nb, acts, act_bytes, y + r0, y_stride, mask, next, next_bytes); break;
        case 2: gemm_q8_decode<G, 2>(p, nb, acts, act_bytes, y + r0, y_stride, mask, next, next_bytes); break;
        default: gemm_q8_decode<G, 3>(p, nb, acts, act_bytes, y + r0, y_stride, mask, next, next_bytes); break;
      }
      continue;
    }
    for (int64_t c0 = 0; c0 < nb; c0 += kChunk) {
      const int64_t nbc = nb - c0 < kChunk ? nb - c0 : kChunk;
      for (int64_t b = 0; b < nbc; ++b) G::pack(p, static_cast<size_t>(c0 + b) * G::kBytes, panel + b * kQ8PanelBlock);
      const uint8_t* a0 = acts + c0 * kGemmQ8ActBytes;
      float* y0 = y + r0;
      const bool first = c0 == 0;
      int64_t t = 0;
      for (; t + kGemmT <= n_acts; t += kGemmT) {
        gemm_q8_micro<kGemmT>(panel, nbc, a0 + t * act_bytes, act_bytes, y0 + t * y_stride, y_stride, first, mask);
      }
      const uint8_t* at = a0 + t * act_bytes;
      float* yt = y0 + t * y_stride;
      gemm_q8_tail<kGemmT - 1>(n_acts - t, panel, nbc, at, act_bytes, yt, y_stride, first, mask);
    }
  }
}

}  // namespace herd::HERD_SIMD_NS

#endif
