// Test helpers for the attention kernels: a random interleaved K/V cache, the same
// keys scattered over the blocks of a paged cache, and attention in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "random_vec.h"

namespace herd {

// A cache of n_pos interleaved rows (n_kv_heads heads of head_dim floats), K and V.
struct Cache {
  int32_t head_dim;
  int32_t n_kv_heads;
  std::vector<float> k, v;
  int64_t stride() const { return static_cast<int64_t>(n_kv_heads) * head_dim; }
  AttentionSpan span(int32_t kv_head, int64_t first, int64_t n_keys, float scale, float cap) const {
    AttentionSpan s;
    s.k = k.data() + kv_head * head_dim;
    s.k_stride = stride();
    s.v = v.data() + kv_head * head_dim;
    s.v_stride = stride();
    s.first = first;
    s.n_keys = n_keys;
    s.head_dim = head_dim;
    s.scale = scale;
    s.soft_cap = cap;
    return s;
  }
};

inline Cache make_cache(int32_t head_dim, int32_t n_kv_heads, int64_t n_pos, uint32_t seed) {
  Cache c{head_dim, n_kv_heads, {}, {}};
  c.k = random_vec(static_cast<size_t>(n_pos * c.stride()), seed, -1.0f, 1.0f);
  c.v = random_vec(static_cast<size_t>(n_pos * c.stride()), seed + 1, -1.0f, 1.0f);
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
  for (int64_t j = s.first; j < s.first + s.n_keys; ++j) {
    double dot = 0.0;
    double terms = 0.0;
    for (int i = 0; i < s.head_dim; ++i) {
      dot += static_cast<double>(q[i]) * s.k[j * s.k_stride + i];
      terms += std::fabs(static_cast<double>(q[i]) * s.k[j * s.k_stride + i]);
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
    for (int i = 0; i < s.head_dim; ++i) out[static_cast<size_t>(i)] += score[static_cast<size_t>(j)] / sum * s.v[(s.first + j) * s.v_stride + i];
  }
  return out;
}

// The keys and values of a Cache moved into shuffled blocks of block_size rows: block i
// of the sequence lives in physical block table[i]; rows no sequence owns hold NaN, so
// reading one shows.
struct PagedCache {
  int32_t block_size = 0, block_shift = 0, head_dim = 0;
  int64_t stride = 0;
  std::vector<int32_t> table;
  std::vector<float> k, v;

  // span, with its rows found through the table instead.
  AttentionSpan paged(const AttentionSpan& flat, int32_t kv_head) const {
    AttentionSpan s = flat;
    s.k = k.data() + kv_head * head_dim;
    s.v = v.data() + kv_head * head_dim;
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
  const int32_t n_blocks = static_cast<int32_t>((n_pos + p.block_size - 1) / p.block_size) + 3;
  for (int32_t i = 0; i < n_blocks; ++i) p.table.push_back((i * 17 + 5) % n_blocks);
  p.k.assign(static_cast<size_t>(n_blocks * p.block_size * p.stride), NAN);
  p.v.assign(p.k.size(), NAN);
  for (int64_t j = 0; j < n_pos; ++j) {
    const int64_t row = p.table[static_cast<size_t>(j / p.block_size)] * p.block_size + j % p.block_size;
    std::copy_n(cache.k.data() + j * p.stride, p.stride, p.k.data() + row * p.stride);
    std::copy_n(cache.v.data() + j * p.stride, p.stride, p.v.data() + row * p.stride);
  }
  return p;
}

}  // namespace herd
