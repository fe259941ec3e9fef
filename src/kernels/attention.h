// Attention over a span of cached keys and values: one query head (attention_head), or a
// tile of query rows sharing one KV head (attention_tile, what the engine calls).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace herd {

// The element types a KV cache row may have: F32, F16, or Q8_0 (blocks of 32 elements,
// so with Q8_0 every offset and head_dim must be a multiple of 32).
inline bool is_kv_dtype(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kQ8_0; }
// The largest head_dim the kernels take with F16 / Q8_0 rows (F32: any).
inline constexpr int kMaxTypedHeadDim = 1024;

// Where the element `elems` elements past `base` starts, in a row of a KV type.
inline const void* kv_elem_ptr(const void* base, DType type, int64_t elems) {
  const auto* b = static_cast<const unsigned char*>(base);
  switch (type) {
    case DType::kF16: return b + elems * 2;
    case DType::kQ8_0: return b + elems / 32 * 34;
    default: return b + elems * 4;
  }
}

// The cached rows one query head attends to. Key j (first <= j < first + n_keys) is
// the head_dim elements of type k_type starting j * k_stride elements past k; its
// value likewise at v (v_type, v_stride). Strides count elements, so k and v may point
// into an interleaved cache row at the head's offset (e.g. k = the layer's rows
// advanced by kv_head * head_dim elements, k_stride = n_embd_kv). The kernels convert
// F16 and Q8_0 rows to float on the fly; scores and sums are always float.
struct AttentionSpan {
  const void* k = nullptr;
  int64_t k_stride = 0;
  const void* v = nullptr;
  int64_t v_stride = 0;
  DType k_type = DType::kF32;
  DType v_type = DType::kF32;
  int64_t first = 0;   // first key attended (a sliding window starts past 0)
  int64_t n_keys = 0;  // keys first .. first + n_keys - 1 (causal: up to the own position)
  int32_t head_dim = 0;
  float scale = 1.0f;     // score = scale * q.k
  float soft_cap = 0.0f;  // > 0: score = soft_cap * tanh(score / soft_cap) (gemma2)
  // A paged cache: when block_table is set, key j is row j % block_size of block
  // block_table[j / block_size], i.e. k + block_table[j >> block_shift] * block_stride +
  // (j & (block_size - 1)) * k_stride (and the same for v).
  const int32_t* block_table = nullptr;
  int32_t block_shift = 0;
  int64_t block_stride = 0;  // elements from one block to the next, for k and v alike
};

// Where key j's row starts (offset from span.k or span.v, in elements).
inline int64_t attention_row_offset(const AttentionSpan& span, int64_t j, int64_t stride) {
  if (span.block_table == nullptr) return j * stride;
  const int64_t mask = (int64_t{1} << span.block_shift) - 1;
  return span.block_table[j >> span.block_shift] * span.block_stride + (j & mask) * stride;
}
inline const void* attention_key(const AttentionSpan& span, int64_t j) {
  return kv_elem_ptr(span.k, span.k_type, attention_row_offset(span, j, span.k_stride));
}
inline const void* attention_value(const AttentionSpan& span, int64_t j) {
  return kv_elem_ptr(span.v, span.v_type, attention_row_offset(span, j, span.v_stride));
}
// The span moved to another head: k and v advanced by `elems` elements.
inline AttentionSpan attention_span_at(AttentionSpan span, int64_t elems) {
  span.k = kv_elem_ptr(span.k, span.k_type, elems);
  span.v = kv_elem_ptr(span.v, span.v_type, elems);
  return span;
}

// out[0 .. head_dim) = sum_j softmax(score)_j * v_j. Keys are visited in blocks with an
// online (running max) softmax, so no score buffer of n_ctx floats is needed. With
// n_keys == 0 out is all zeros. q and out are head_dim floats and must not overlap.
// Dispatches to the fastest variant chosen at start-up (see kernel_table.h).
void attention_head(const float* q, const AttentionSpan& span, float* out);

// The scalar reference twin (same contract).
void attention_head_ref(const float* q, const AttentionSpan& span, float* out);

// Most tokens one AttentionTile holds.
inline constexpr int kAttentionTileTokens = 16;
// Rows x head_dim that the SIMD kernels take in one pass (their scratch of queries and
// outputs); a caller sizes tiles to it so each key block is shared by as many rows as fit.
inline constexpr int kAttentionTileFloats = 4096;

// Query rows that share one KV head, attended together so each key and value row is
// loaded once for all of them (prefill: the GQA group's heads times a few consecutive
// positions; decode: the group's heads of one token). Row (t, h), t < n_tokens,
// h < n_heads, is the head_dim floats at q[t] + h * head_dim; its output goes to
// out[t] + h * head_dim, and it attends keys first[t] .. first[t] + n_keys[t] - 1.
struct AttentionTile {
  int32_t n_tokens = 0;
  int32_t n_heads = 0;
  const float* q[kAttentionTileTokens] = {};
  float* out[kAttentionTileTokens] = {};
  int64_t first[kAttentionTileTokens] = {};
  int64_t n_keys[kAttentionTileTokens] = {};
};

// Every row of the tile, as attention_head would compute it with span.first and
// span.n_keys replaced by the row's own (the span gives the cache, head_dim, scale and
// soft cap). Batch invariance: a row's output is bit for bit the same whatever other
// rows share its tile (one token or many, other heads or none), so decode and prefill
// agree exactly. Keys between the smallest first and the largest first + n_keys of the
// tile may be read; their values must be finite (they are, in a cache the tile's
// sequence wrote). Dispatches like attention_head.
void attention_tile(const AttentionTile& tile, const AttentionSpan& span);

// The scalar reference twin: attention_head_ref row by row.
void attention_tile_ref(const AttentionTile& tile, const AttentionSpan& span);

}  // namespace herd
