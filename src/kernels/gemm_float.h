// The matmul of float weights (F32, F16, BF16) with f32 activations, for every number of
// tokens: decode and prompt processing alike, so a row's result never depends on the
// batch it came in (batch invariance).
//
// The summation order of one (row, token) dot product is fixed, and is the one of
// float_micro_tile (simd_float_dot.h): one vector accumulator whose lane l takes
// k = l, l + kW, l + 2 kW, ... in order (one FMA chain; a partial last step adds 0 * 0
// in the missing lanes), then vhsum's reduction tree. Every path here keeps exactly
// that order, so the GEMM equals the tile kernel bit for bit, whatever the blocking.
//
// Prompt processing: the state of a dot product is a whole vector, so a register tile
// holds few of them (kFloatR rows x kFloatT tokens). What makes it fast is the blocking
// around it: a panel of kFloatPanelR rows x one K-chunk is converted to f32 once (the weight
// conversion no longer costs an FMA port per use), the K-chunk keeps a token group's
// activations in L1 while every row group of the panel passes over them, and the
// accumulators of a token block are parked in a scratch between K-chunks (exact).
// Included by kernels_<isa>.cc only (through simd_table.h).
#pragma once

#include "kernels/simd_float_dot.h"

namespace herd::HERD_SIMD_NS {

// Register tile: kFloatR * kFloatT accumulators + kFloatR weights + one activation must
// fit the register file (32 zmm / 16 ymm).
#if defined(__AVX512F__)
inline constexpr int kFloatR = 4, kFloatT = 6;
#else
inline constexpr int kFloatR = 2, kFloatT = 4;
#endif

// Rows per packed panel and vector steps per K-chunk: the panel (kFloatPanelR *
// kFloatChunkSteps vectors, 32 KB with AVX-512) and one token group's chunk of
// activations (12 KB) share L1.
inline constexpr int kFloatPanelR = 4 * kFloatR;
inline constexpr int kFloatChunkSteps = 512 / kW;
// Tokens per token block: as many as keep the block's activations (kFloatBlockBytes)
// in L2 while every panel of the matrix streams past them, at most kFloatMaxBlockT (the
// accumulator scratch, kFloatMaxBlockT * kFloatPanelR vectors, lives on the stack).
// Each block converts the whole weight matrix once more, so blocks want to be long.
inline constexpr int64_t kFloatBlockBytes = 3 << 19;
inline constexpr int64_t kFloatMaxBlockT = 32 * kFloatT;
// Below this many tokens the conversion into a panel does not pay: the tile kernel
// converts in registers (same summation order, so the same bits).
inline constexpr int64_t kFloatGemmMinTokens = 4;

// One K-chunk of kFloatPanelR rows as f32: group g (rows g kFloatR ..) holds, step by step,
// its kFloatR row vectors: out[((g * n_steps + s) * kFloatR + r) * kW]. Rows past nr and
// lanes past n are zero, so the micro kernel's partial step adds 0 * 0 there.
template <class L>
void pack_float_panel(const uint8_t* rows, size_t row_bytes, int64_t nr, int64_t k0, int64_t n_steps, int64_t n,
                      float* out) {
  for (int g = 0; g < kFloatPanelR / kFloatR; ++g) {
    float* og = out + g * n_steps * kFloatR * kW;
    for (int r = 0; r < kFloatR; ++r) {
      const int64_t row = g * kFloatR + r;
      float* o = og + r * kW;
      if (row >= nr) {
        for (int64_t s = 0; s < n_steps; ++s) vstore(o + s * kFloatR * kW, vzero());
        continue;
      }
      const uint8_t* rp = rows + static_cast<size_t>(row) * row_bytes;
      for (int64_t s = 0; s < n_steps; ++s) {
        const int64_t i = k0 + s * kW;
        const VF v = i + kW <= n ? L::full(rp, i) : L::part(rp, i, static_cast<int>(n - i));
        vstore(o + s * kFloatR * kW, v);
      }
    }
  }
}

#if defined(__AVX512F__)
// vhsum of four vectors at once, exactly: every addition of vhsum's tree (lanes j and
// j + 8, then j and j + 4, then 0 and 2 / 1 and 3, then 0 and 1) is made on the same
// pair, for four vectors per instruction. Result lanes 0..3: the sums of a, b, c, d.
inline __m128 vhsum4(VF a, VF b, VF c, VF d) {
  const VF ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xee));
  const VF cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44), _mm512_shuffle_f32x4(c, d, 0xee));
  VF q = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xdd));
  q = _mm512_add_ps(q, _mm512_permute_ps(q, _MM_SHUFFLE(1, 0, 3, 2)));
  q = _mm512_add_ps(q, _mm512_permute_ps(q, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(_mm512_maskz_compress_ps(0x1111, q));
}
#endif

// kFloatR rows x T tokens over one K-chunk of n_steps vector steps, the last one partial
// when tail > 0 (its lanes). w: the row group's packed steps; x[t]: token t at the
// chunk's first element. acc: the scratch of this tile ([t][r] vectors), read unless
// first; on the last chunk the sums go to y instead (only the nr real rows).
template <int T>
void float_gemm_micro(const float* w, int64_t n_steps, int tail, const float* const* x, VF* acc_io, bool first,
                      bool last, float* y, int64_t y_stride, int64_t nr) {
  constexpr int R = kFloatR;
  VF acc[T][R];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[t][r] = first ? vzero() : acc_io[t * R + r];
  }
  const int64_t full = tail > 0 ? n_steps - 1 : n_steps;
  for (int64_t s = 0; s < full; ++s) {
    VF wv[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) wv[r] = vload(w + (s * R + r) * kW);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload(x[t] + s * kW);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[t][r] = vfma(wv[r], xv, acc[t][r]);
    }
  }
  if (tail > 0) {
    const int64_t s = full;
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload_part(x[t] + s * kW, tail);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[t][r] = vfma(vload(w + (s * R + r) * kW), xv, acc[t][r]);
    }
  }
  if (!last) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc_io[t * R + r] = acc[t][r];
    }
    return;
  }
#if defined(__AVX512F__)
  static_assert(R == 4);
  const __mmask8 rows = nr >= 4 ? 0xf : static_cast<__mmask8>((1u << nr) - 1u);
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    _mm_mask_storeu_ps(y + t * y_stride, rows, vhsum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3]));
  }
#else
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      if (r < nr) y[t * y_stride + r] = vhsum(acc[t][r]);
    }
  }
#endif
}

// The micro kernel for the last n < kFloatT tokens of a token block (one instantiation
// per count).
template <int T>
void float_gemm_tail(int64_t n, const float* w, int64_t n_steps, int tail, const float* const* x, VF* acc_io,
                     bool first, bool last, float* y, int64_t y_stride, int64_t nr) {
  if constexpr (T > 0) {
    if (n == T) {
      float_gemm_micro<T>(w, n_steps, tail, x, acc_io, first, last, y, y_stride, nr);
    } else {
      float_gemm_tail<T - 1>(n, w, n_steps, tail, x, acc_io, first, last, y, y_stride, nr);
    }
  }
}

// The weights of the next panel chunk (rows from element k0, n_el elements each),
// pulled towards L2 a slice at a time while the current chunk is computed: a chunk of a
// row is only a few cache lines, too short a stream for the hardware prefetcher, and
// one burst of all of them would stall on the fill buffers.
struct FloatPrefetch {
  const uint8_t* row = nullptr;  // the row being prefetched, at the chunk's first byte
  size_t row_bytes = 0;
  int64_t lines_per_row = 0;
  int64_t rows_left = 0;  // including this one
  int64_t line = 0;       // next line of this row

  template <class L>
  void start(const uint8_t* rows, size_t rb, int64_t nr, int64_t k0, int64_t n_el) {
    row = rows + static_cast<size_t>(k0) * L::kElemBytes;
    row_bytes = rb;
    lines_per_row = (static_cast<int64_t>(L::kElemBytes) * n_el + 63) / 64;
    rows_left = nr;
    line = 0;
  }
  int64_t n_lines() const { return rows_left * lines_per_row; }
  // Issues up to n more line prefetches.
  void step(int64_t n) {
    for (; n > 0 && rows_left > 0; --n) {
      _mm_prefetch(reinterpret_cast<const char*>(row + line * 64), _MM_HINT_T1);
      if (++line == lines_per_row) {
        line = 0;
        row += row_bytes;
        --rows_left;
      }
    }
  }
};

// Same contract as VecDotTileFn (activation rows are the f32 token rows, act_bytes
// apart), over any n_rows and n_acts.
template <class L>
void float_gemm(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
                int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  if (n_acts < kFloatGemmMinTokens || n <= 0) {
#if defined(__AVX512F__)
    walk_tile<4, 4, FloatMicro<L>::template M>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
#else
    walk_tile<2, 4, FloatMicro<L>::template M>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
#endif
    return;
  }
  constexpr int kGroups = kFloatPanelR / kFloatR;
  constexpr int64_t kChunkEl = kFloatChunkSteps * kW;
  alignas(64) float panel[kFloatPanelR * kChunkEl];
  // Accumulators of one token block x one panel: [token group][row group][t][r].
  alignas(64) VF scratch[kFloatMaxBlockT * kFloatPanelR];
  int64_t block_t = kFloatBlockBytes / (n * static_cast<int64_t>(sizeof(float))) / kFloatT * kFloatT;
  block_t = block_t < kFloatT ? kFloatT : block_t > kFloatMaxBlockT ? kFloatMaxBlockT : block_t;
  const int64_t n_steps_all = (n + kW - 1) / kW;
  for (int64_t t0 = 0; t0 < n_acts; t0 += block_t) {
    const int64_t nt = n_acts - t0 < block_t ? n_acts - t0 : block_t;
    for (int64_t r0 = 0; r0 < n_rows; r0 += kFloatPanelR) {
      const int64_t nr = n_rows - r0 < kFloatPanelR ? n_rows - r0 : kFloatPanelR;
      const uint8_t* prow = rows + static_cast<size_t>(r0) * row_bytes;
      for (int64_t s0 = 0; s0 < n_steps_all; s0 += kFloatChunkSteps) {
        const int64_t n_steps = n_steps_all - s0 < kFloatChunkSteps ? n_steps_all - s0 : kFloatChunkSteps;
        const int64_t k0 = s0 * kW;
        const bool first = s0 == 0;
        const bool last = s0 + n_steps == n_steps_all;
        const int tail = last ? static_cast<int>(n - (n_steps_all - 1) * kW) % kW : 0;
        pack_float_panel<L>(prow, row_bytes, nr, k0, n_steps, n, panel);
        FloatPrefetch next;
        if (!last) {
          const int64_t k1 = k0 + kChunkEl;
          next.start<L>(prow, row_bytes, nr, k1, n - k1 < kChunkEl ? n - k1 : kChunkEl);
        } else if (r0 + kFloatPanelR < n_rows) {
          const int64_t nr1 = n_rows - r0 - kFloatPanelR;
          next.start<L>(prow + kFloatPanelR * row_bytes, row_bytes, nr1 < kFloatPanelR ? nr1 : kFloatPanelR, 0,
                        n < kChunkEl ? n : kChunkEl);
        }
        // Spread over the chunk's micro kernels, a line or two each.
        const int64_t n_calls = (nt + kFloatT - 1) / kFloatT * ((nr + kFloatR - 1) / kFloatR);
        const int64_t per_call = (next.n_lines() + n_calls - 1) / n_calls;
        for (int64_t tg = 0; tg < nt; tg += kFloatT) {
          const int64_t ntg = nt - tg < kFloatT ? nt - tg : kFloatT;
          const float* x[kFloatT];
          for (int t = 0; t < kFloatT; ++t) {
            const int64_t tok = t0 + tg + (t < ntg ? t : ntg - 1);
            x[t] = reinterpret_cast<const float*>(acts + static_cast<size_t>(tok) * act_bytes) + k0;
          }
          VF* acc_t = scratch + tg * kFloatPanelR;
          float* yt = y + (t0 + tg) * y_stride + r0;
          for (int g = 0; g < kGroups; ++g) {
            const int64_t nrg = nr - g * kFloatR;
            if (nrg <= 0) break;
            const float* wg = panel + g * n_steps * kFloatR * kW;
            VF* acc = acc_t + g * kFloatT * kFloatR;
            float* yg = yt + g * kFloatR;
            next.step(per_call);
            if (ntg == kFloatT) {
              float_gemm_micro<kFloatT>(wg, n_steps, tail, x, acc, first, last, yg, y_stride, nrg);
            } else {
              float_gemm_tail<kFloatT - 1>(ntg, wg, n_steps, tail, x, acc, first, last, yg, y_stride, nrg);
            }
          }
        }
      }
    }
  }
}

// The GEMM's activation rows are the f32 token rows as they are.
inline void copy_f32_row(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

}  // namespace herd::HERD_SIMD_NS
