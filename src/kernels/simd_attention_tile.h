// Tiled attention of one SIMD variant (the contract is attention_tile in attention.h).
// The rows of a tile share one KV head and walk its keys together, kKeyBlock keys at a
// time, with an online (running max) softmax per row:
//  - scores: the key block is transposed once into [head_dim][kKeyBlock], so one FMA of
//    a broadcast query element with a transposed key row advances kKeyBlock scores of a
//    row, and every row of the tile reuses the block (a small GEMM instead of a
//    horizontal sum per key);
//  - values: each value row, loaded once, updates several rows' outputs held in
//    registers; the outputs live in an L1 scratch and are written out once at the end.
//
// Batch invariance: a row goes through the same operations in the same order whatever
// else shares its tile. Blocks are aligned to absolute key indices (not to the tile);
// a row's lanes outside its keys become -inf before its max, so they weigh exactly 0; a
// block with none of its keys leaves its max and sum alone; and the only trace of
// another row's keys is adding 0 * v to its outputs, which is exact for finite v except
// for the sign of a zero, normalised at the end. Included by kernels_<isa>.cc only
// (through simd_table.h).
#pragma once

#include <math.h>

#include "kernels/attention.h"
#include "kernels/simd_attention.h"
#include "kernels/simd_attention_transpose.h"
#include "kernels/simd_kv_rows.h"
#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

// Keys per block: two vectors of scores per row on AVX-512 (the per-row softmax step is
// shared by more keys, and each FMA's broadcast query element serves two vectors).
#if defined(__AVX512F__)
inline constexpr int kKeyBlock = 32;
#else
inline constexpr int kKeyBlock = 16;
#endif
inline constexpr int kBlockVecs = kKeyBlock / kW;
// Head sizes the tile kernel takes: whole vectors on every variant.
inline constexpr int kTileHeadDimStep = 16;
// Larger or odd head sizes take attention_head row by row.
inline constexpr int kTileMaxHeadDim = 256;
inline constexpr int kTileMaxRows = 64;
// Rows x head_dim of one pass: the query copy and the outputs take 16 KiB each.
inline constexpr int kTileFloats = kAttentionTileFloats;
// Register blocking: rows per score pass; rows x vectors per value pass.
#if defined(__AVX512F__)
inline constexpr int kScoreRows = 12, kValueRows = 6, kValueVecs = 4;
#else
inline constexpr int kScoreRows = 6, kValueRows = 6, kValueVecs = 2;
#endif

// The register-blocked loops must be unrolled completely, or the accumulators live in
// memory.
#define HERD_ATTENTION_UNROLL _Pragma("GCC unroll 32")

alignas(64) inline constexpr float kZeroKey[kTileMaxHeadDim] = {};

// The lanes of block [j0, j0 + kKeyBlock) that keys [first, end) cover, as bits.
inline unsigned block_lanes(int64_t first, int64_t end, int64_t j0) {
  static_assert(kKeyBlock <= 32, "lane bits are an unsigned");
  const int64_t lo = first > j0 ? first - j0 : 0;
  const int64_t hi = end < j0 + kKeyBlock ? end - j0 : kKeyBlock;
  if (lo >= hi) return 0;
  const unsigned below_hi = hi == 32 ? ~0u : (1u << hi) - 1u;
  return below_hi & ~((1u << lo) - 1u);
}

// kt[i * kKeyBlock + x] = element i of key j0 + x for the keys in `keys`, 0 elsewhere
// (a key outside every row's range is never read). F16 / Q8_0 keys are converted into
// scratch first (kKeyBlock x head_dim floats).
inline void load_key_block(const AttentionSpan& span, int64_t j0, unsigned keys, float* scratch, float* kt) {
  const float* rows[kKeyBlock];
  kv_block_rows<kKeyBlock>(span, /*values=*/false, j0, keys, kZeroKey, scratch, rows);
  for (int g = 0; g < kBlockVecs; ++g) {
    for (int col = 0; col < span.head_dim; col += kW) {
      transpose_block(rows + g * kW, col, kt + col * kKeyBlock + g * kW, kKeyBlock);
    }
  }
}

// s[r * kKeyBlock + x] = q_r . key x for R rows of q (stride d): one FMA chain per row
// over i in order, so a row's dots never depend on R.
template <int R>
inline void score_pass(const float* q, int d, const float* kt, float* s) {
  VF acc[R][kBlockVecs];
  HERD_ATTENTION_UNROLL
  for (int r = 0; r < R; ++r) {
    HERD_ATTENTION_UNROLL
    for (int v = 0; v < kBlockVecs; ++v) acc[r][v] = vzero();
  }
  for (int i = 0; i < d; ++i) {
    VF k[kBlockVecs];
    HERD_ATTENTION_UNROLL
    for (int v = 0; v < kBlockVecs; ++v) k[v] = vload(kt + i * kKeyBlock + v * kW);
    HERD_ATTENTION_UNROLL
    for (int r = 0; r < R; ++r) {
      const VF qi = vset1(q[r * d + i]);
      HERD_ATTENTION_UNROLL
      for (int v = 0; v < kBlockVecs; ++v) acc[r][v] = vfma(qi, k[v], acc[r][v]);
    }
  }
  HERD_ATTENTION_UNROLL
  for (int r = 0; r < R; ++r) {
    HERD_ATTENTION_UNROLL
    for (int v = 0; v < kBlockVecs; ++v) vstore(s + r * kKeyBlock + v * kW, acc[r][v]);
  }
}

template <int R>
inline void score_rows(const float* q, int n, int d, const float* kt, float* s) {
  int r = 0;
  for (; r + R <= n; r += R) score_pass<R>(q + r * d, d, kt, s + r * kKeyBlock);
  if constexpr (R > 1) {
    if (r < n) score_rows<R - 1>(q + r * d, n - r, d, kt, s + r * kKeyBlock);
  }
}

#if defined(__AVX512F__)
// v where bit l of bits is set, other elsewhere.
inline VF keep_lanes(VF v, unsigned bits, VF other) {
  return _mm512_mask_blend_ps(static_cast<__mmask16>(bits), other, v);
}
#else
inline VF keep_lanes(VF v, unsigned bits, VF other) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i on = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), bit), bit);
  return _mm256_blendv_ps(other, v, _mm256_castsi256_ps(on));
}
#endif

// The running state of one row.
struct TileRow {
  float max;    // largest score so far (-inf before the first key)
  float alpha;  // this block's rescale of the outputs
  int64_t first, end;
};

// One row's online-softmax step on its raw dots s (kKeyBlock floats, turned into the
// weights p in place): sum (kKeyBlock lane sums) and outputs are rescaled by alpha.
inline void softmax_block(float* s, unsigned lanes, const AttentionSpan& span, TileRow& row, float* sum) {
  if (lanes == 0) {  // none of the row's keys: it is left exactly as it was
    for (int x = 0; x < kKeyBlock; ++x) s[x] = 0.0f;
    row.alpha = 1.0f;
    return;
  }
  const VF neg_inf = vset1(-__builtin_inff());
  VF x[kBlockVecs];
  VF block_max = neg_inf;
  for (int v = 0; v < kBlockVecs; ++v) {
    x[v] = vmul(vload(s + v * kW), vset1(span.scale));
    if (span.soft_cap > 0.0f) {
      float lane[kW];
      vstore(lane, x[v]);
      for (int l = 0; l < kW; ++l) lane[l] = span.soft_cap * tanhf(lane[l] / span.soft_cap);
      x[v] = vload(lane);
    }
    x[v] = keep_lanes(x[v], lanes >> (v * kW), neg_inf);
    block_max = vmax(block_max, x[v]);
  }
  const float bm = vhmax(block_max);
  const float new_max = bm > row.max ? bm : row.max;
  // e^(old - new): 0 on the row's first block (old = -inf); 1 when the max stays, which
  // is exactly what vexp(0) gives, so skipping it changes no bits.
  row.alpha = 1.0f;
  if (new_max != row.max) {
    float alpha[kW];
    vstore(alpha, vexp(vset1(row.max - new_max)));
    row.alpha = alpha[0];
  }
  row.max = new_max;
  const VF a = vset1(row.alpha), m = vset1(new_max);
  for (int v = 0; v < kBlockVecs; ++v) {
    const VF p = vexp(vsub(x[v], m));  // -inf lanes give exactly 0
    vstore(s + v * kW, p);
    vstore(sum + v * kW, vfma(vload(sum + v * kW), a, p));
  }
}

// o_r[col .. col + C * kW) = alpha_r * o_r + sum over keys of p_r[x] * v_x, for R rows
// (o stride d, p stride kKeyBlock), keys in ascending order.
template <int R, int C>
inline void value_pass(float* o, int d, const float* p, const TileRow* rows, const float* const* v_rows,
                       unsigned keys) {
  VF acc[R][C];
  HERD_ATTENTION_UNROLL
  for (int r = 0; r < R; ++r) {
    const VF a = vset1(rows[r].alpha);
    HERD_ATTENTION_UNROLL
    for (int c = 0; c < C; ++c) acc[r][c] = vmul(vload(o + r * d + c * kW), a);
  }
  for (unsigned bits = keys; bits != 0; bits &= bits - 1u) {
    const int x = __builtin_ctz(bits);
    VF val[C];
    HERD_ATTENTION_UNROLL
    for (int c = 0; c < C; ++c) val[c] = vload(v_rows[x] + c * kW);
    HERD_ATTENTION_UNROLL
    for (int r = 0; r < R; ++r) {
      const VF pr = vset1(p[r * kKeyBlock + x]);
      HERD_ATTENTION_UNROLL
      for (int c = 0; c < C; ++c) acc[r][c] = vfma(pr, val[c], acc[r][c]);
    }
  }
  HERD_ATTENTION_UNROLL
  for (int r = 0; r < R; ++r) {
    HERD_ATTENTION_UNROLL
    for (int c = 0; c < C; ++c) vstore(o + r * d + c * kW, acc[r][c]);
  }
}

template <int R, int C>
inline void value_rows(float* o, int n, int d, const float* p, const TileRow* rows, const float* const* v_rows,
                       unsigned keys) {
  int r = 0;
  for (; r + R <= n; r += R) value_pass<R, C>(o + r * d, d, p + r * kKeyBlock, rows + r, v_rows, keys);
  if constexpr (R > 1) {
    if (r < n) value_rows<R - 1, C>(o + r * d, n - r, d, p + r * kKeyBlock, rows + r, v_rows, keys);
  }
}

// Every column chunk of the outputs: C vectors at a time, then the narrower rest.
template <int C>
inline void value_columns(float* o, int n, int d, int col, const float* p, const TileRow* rows,
                          const float* const* v_rows, unsigned keys) {
  for (; col + C * kW <= d; col += C * kW) {
    const float* shifted[kKeyBlock];
    for (int x = 0; x < kKeyBlock; ++x) shifted[x] = v_rows[x] + col;
    value_rows<kValueRows, C>(o + col, n, d, p, rows, shifted, keys);
  }
  if constexpr (C > 1) {
    if (col < d) value_columns<C - 1>(o, n, d, col, p, rows, v_rows, keys);
  }
}

// n rows (n <= kTileMaxRows, n * d <= kTileFloats): q_rows[r], out_rows[r] and their
// keys [first, end) in rows[r].
inline void attention_rows(const float* const* q_rows, float* const* out_rows, TileRow* rows, int n,
                           const AttentionSpan& span) {
  const int d = span.head_dim;
  alignas(64) float q[kTileFloats];
  alignas(64) float o[kTileFloats];
  alignas(64) float kt[kTileMaxHeadDim * kKeyBlock];
  alignas(64) float p[kTileMaxRows * kKeyBlock];
  alignas(64) float sum[kTileMaxRows * kKeyBlock];
  alignas(64) float conv[kKeyBlock * kTileMaxHeadDim];  // F16 / Q8_0 rows as floats
  unsigned lanes[kTileMaxRows];
  int64_t lo = INT64_MAX, hi = 0;
  for (int r = 0; r < n; ++r) {
    for (int i = 0; i < d; ++i) q[r * d + i] = q_rows[r][i];
    for (int i = 0; i < d; ++i) o[r * d + i] = 0.0f;
    for (int x = 0; x < kKeyBlock; ++x) sum[r * kKeyBlock + x] = 0.0f;
    rows[r].max = -__builtin_inff();
    if (rows[r].first < rows[r].end) {
      lo = rows[r].first < lo ? rows[r].first : lo;
      hi = rows[r].end > hi ? rows[r].end : hi;
    }
  }
  for (int64_t j0 = lo < hi ? lo - lo % kKeyBlock : hi; j0 < hi; j0 += kKeyBlock) {
    unsigned keys = 0;
    for (int r = 0; r < n; ++r) keys |= lanes[r] = block_lanes(rows[r].first, rows[r].end, j0);
    if (keys == 0) continue;  // a gap between the rows' ranges (sliding windows)
    load_key_block(span, j0, keys, conv, kt);
    score_rows<kScoreRows>(q, n, d, kt, p);
    for (int r = 0; r < n; ++r) softmax_block(p + r * kKeyBlock, lanes[r], span, rows[r], sum + r * kKeyBlock);
    const float* v_rows[kKeyBlock];
    kv_block_rows<kKeyBlock>(span, /*values=*/true, j0, keys, kZeroKey, conv, v_rows);
    value_columns<kValueVecs>(o, n, d, 0, p, rows, v_rows, keys);
  }
  for (int r = 0; r < n; ++r) {
    VF s = vload(sum + r * kKeyBlock);
    for (int v = 1; v < kBlockVecs; ++v) s = vadd(s, vload(sum + r * kKeyBlock + v * kW));
    const float total = vhsum(s);
    const VF inv = vset1(total > 0.0f ? 1.0f / total : 1.0f);
    for (int i = 0; i < d; i += kW) {
      // + 0: a -0 left by adding 0 * v for another row's key becomes +0.
      vstore(out_rows[r] + i, vadd(vmul(vload(o + r * d + i), inv), vzero()));
    }
  }
}

inline void attention_tile(const AttentionTile& tile, const AttentionSpan& span) {
  const int d = span.head_dim;
  if (d <= 0 || d % kTileHeadDimStep != 0 || d > kTileMaxHeadDim) {
    AttentionSpan row = span;
    for (int32_t t = 0; t < tile.n_tokens; ++t) {
      row.first = tile.first[t];
      row.n_keys = tile.n_keys[t];
      for (int32_t h = 0; h < tile.n_heads; ++h) {
        HERD_SIMD_NS::attention_head(tile.q[t] + h * d, row, tile.out[t] + h * d);
      }
    }
    return;
  }
  const int per_pass = kTileFloats / d < kTileMaxRows ? kTileFloats / d : kTileMaxRows;
  const float* q_rows[kTileMaxRows];
  float* out_rows[kTileMaxRows];
  TileRow rows[kTileMaxRows];
  int n = 0;
  for (int32_t t = 0; t < tile.n_tokens; ++t) {
    for (int32_t h = 0; h < tile.n_heads; ++h) {
      q_rows[n] = tile.q[t] + h * d;
      out_rows[n] = tile.out[t] + h * d;
      rows[n].first = tile.first[t];
      rows[n].end = tile.first[t] + tile.n_keys[t];
      if (++n == per_pass) {
        attention_rows(q_rows, out_rows, rows, n, span);
        n = 0;
      }
    }
  }
  if (n > 0) attention_rows(q_rows, out_rows, rows, n, span);
}

}  // namespace herd::HERD_SIMD_NS

#undef HERD_ATTENTION_UNROLL
