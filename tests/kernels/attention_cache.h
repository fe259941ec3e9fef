// Test helpers for the attention kernels: a random interleaved K/V cache (F32, F16 or
// Q8_0 rows), the same keys scattered over the blocks of a paged cache, and attention
// in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "random_vec.h"
#include "tensor/quant_ref.h"

namespace herd {

// The cache types and the head sizes a test may combine them with (Q8_0 rows are
// blocks of 32 elements).
inline constexpr DType kKvTypes[] = {DType::kF32, DType::kF16, DType::kQ8_0};
inline bool kv_type_fits(DType type, int32_t head_dim) { return type != DType::kQ8_0 || head_dim % 32 == 0; }
inline const char* kv_name(DType type) {
  return type == DType::kF32 ? "f32" : type == DType::kF16 ? "f16" : "q8_0";
}
inline int64_t kv_bytes(DType type, int64_t n) {
  return type == DType::kF32 ? n * 4 : type == DType::kF16 ? n * 2 : n / 32 * 34;
}

// A cache of n_pos interleaved rows (n_kv_heads heads of head_dim elements), K and V,
// stored as `type` (kq, vq); k and v hold the same rows as floats (exactly what the
// stored rows dequantize to).
struct Cache {
  int32_t head_dim;
  int32_t n_kv_heads;
  std::vector<float> k, v;
  DType type = DType::kF32;
  std::vector<unsigned char> kq, vq;
  int64_t stride() const { return static_cast<int64_t>(n_kv_heads) * head_dim; }
  AttentionSpan span(int32_t kv_head, int64_t first, int64_t n_keys, float scale, float cap) const {
    AttentionSpan s;
    s.k = kq.data();
    s.k_stride = stride();
    s.v = vq.data();
    s.v_stride = stride();
    s.k_type = s.v_type = type;
    s = attention_span_at(s, static_cast<int64_t>(kv_head) * head_dim);
    s.first = first;
    s.n_keys = n_keys;
    s.head_dim = head_dim;
    s.scale = scale;
    s.soft_cap = cap;
    return s;
  }
};

inline Cache make_cache(int32_t head_dim, int32_t n_kv_heads, int64_t n_pos, uint32_t seed,
                        DType type = DType::kF32) {
  Cache c{head_dim, n_kv_heads, {}, {}, type, {}, {}};
  c.k = random_vec(static_cast<size_t>(n_pos * c.stride()), seed, -1.0f, 1.0f);
  c.v = random_vec(static_cast<size_t>(n_pos * c.stride()), seed + 1, -1.0f, 1.0f);
  const int64_t row_bytes = kv_bytes(type, c.stride());
  c.kq.resize(static_cast<size_t>(n_pos * row_bytes));
  c.vq.resize(c.kq.size());
  for (int64_t j = 0; j < n_pos; ++j) {
    float* kr = c.k.data() + j * c.stride();
    float* vr = c.v.data() + j * c.stride();
    quantize_row_ref(type, kr, c.kq.data() + j * row_bytes, c.stride());
    quantize_row_ref(type, vr, c.vq.data() + j * row_bytes, c.stride());
    dequantize_row_ref(type, c.kq.data() + j * row_bytes, kr, c.stride());
    dequantize_row_ref(type, c.vq.data() + j * row_bytes, vr, c.stride());
  }
  return c;
}

// Plain two-pass softmax in double; max_abs_score gets the largest |score|;
// max_abs_terms (if set) gets the largest scale * sum_i |q_i k_i| of a key, which bounds
// how much a float dot product can round.
inline std::vector<double> attention_double(const float* q, const AttentionSpan& s, double* max_abs_score,
                                            double* max_abs_terms = nullptr) {
  *max_abs_score = 0.0;
  if (max_abs_terms != nullptr) *max_abs_terms = 0.0;
  std::vector<double> score;
  double max = -INFINITY;
  std::vector<float> kf(static_cast<size_t>(s.head_dim)), vf(kf.size());
  for (int64_t j = s.first; j < s.first + s.n_keys; ++j) {
    dequantize_row_ref(s.k_type, attention_key(s, j), kf.data(), s.head_dim);
    double dot = 0.0;
    double terms = 0.0;
    for (int i = 0; i < s.head_dim; ++i) {
      dot += static_cast<double>(q[i]) * kf[static_cast<size_t>(i)];
      terms += std::fabs(static_cast<double>(q[i]) * kf[static_cast<size_t>(i)]);
    }
    if (max_abs_terms != nullptr) *max_abs_terms = std::fmax(*max_abs_terms, terms * std::fabs(s.scale));
    dot *= s.scale;
    if (s.soft_cap > 0.0f) dot = s.soft_cap * std::tanh(dot / s.soft_cap);
    score.push_back(dot);
    *max_abs_score = std::fmax(*max_abs_score, std::fabs(dot));
    max = std::fmax(max, dot);
  }
  double sum = 0.0;
  for (double& p : score) sum += (p = std::exp(p - max));
  std::vector<double> out(static_cast<size_t>(s.head_dim), 0.0);
  for (int64_t j = 0; j < s.n_keys; ++j) {
    dequantize_row_ref(s.v_type, attention_value(s, s.first + j), vf.data(), s.head_dim);
    for (int i = 0; i < s.head_dim; ++i) {
      out[static_cast<size_t>(i)] += score[static_cast<size_t>(j)] / sum * vf[static_cast<size_t>(i)];
    }
  }
  return out;
}

// The keys and values of a Cache moved into shuffled blocks of block_size rows: block i
// of the sequence lives in physical block table[i]; rows no sequence owns hold NaN
// (all bits set, in every type), so reading one shows.
struct PagedCache {
  int32_t block_size = 0, block_shift = 0, head_dim = 0;
  int64_t stride = 0;
  std::vector<int32_t> table;
  std::vector<unsigned char> k, v;

  // span, with its rows found through the table instead.
  AttentionSpan paged(const AttentionSpan& flat, int32_t kv_head) const {
    AttentionSpan s = flat;
    s.k = k.data();
    s.v = v.data();
    s = attention_span_at(s, static_cast<int64_t>(kv_head) * head_dim);
    s.block_table = table.data();
    s.block_shift = block_shift;
    s.block_stride = block_size * stride;
    return s;
  }
};

inline PagedCache make_paged(const Cache& cache, int64_t n_pos, int32_t block_shift) {
  PagedCache p;
  p.block_shift = block_shift;
  p.block_size = 1 << block_shift;
  p.head_dim = cache.head_dim;
  p.stride = cache.stride();
  const int64_t row_bytes = kv_bytes(cache.type, p.stride);
  const int32_t n_blocks = static_cast<int32_t>((n_pos + p.block_size - 1) / p.block_size) + 3;
  for (int32_t i = 0; i < n_blocks; ++i) p.table.push_back((i * 17 + 5) % n_blocks);
  p.k.assign(static_cast<size_t>(n_blocks * p.block_size * row_bytes), 0xff);
  p.v.assign(p.k.size(), 0xff);
  for (int64_t j = 0; j < n_pos; ++j) {
    const int64_t row = p.table[static_cast<size_t>(j / p.block_size)] * p.block_size + j % p.block_size;
    std::memcpy(p.k.data() + row * row_bytes, cache.kq.data() + j * row_bytes, static_cast<size_t>(row_bytes));
    std::memcpy(p.v.data() + row * row_bytes, cache.vq.data() + j * row_bytes, static_cast<size_t>(row_bytes));
  }
  return p;
}

}  // namespace herd
