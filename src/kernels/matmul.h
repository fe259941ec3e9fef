// Matrix products of stored weights with float activations.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/thread_pool.h"
#include "tensor/dtype.h"

namespace herd {

// A 2-D weight as stored in the file: n_rows rows of n_cols elements of `type`.
// GGUF shape [n_cols, n_rows] (ne order).
struct WeightMatrix {
  DType type = DType::kF32;
  const uint8_t* data = nullptr;
  int64_t n_cols = 0;
  int64_t n_rows = 0;
  size_t row_bytes = 0;

  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

// y[t][r] = sum_c w[r][c] * x[t][c] for t < n_tokens, r < w.n_rows.
// x is [n_tokens][w.n_cols], y is [n_tokens][w.n_rows]; rows are spread over the pool.
// Batch invariant: y[t] is bit-for-bit the same whatever n_tokens, the other token
// rows and the pool size (for a given kernel variant); tests/kernels/
// matmul_invariance_test.cc holds every type and variant to it.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool);

// Dequantizes row r into dst (w.n_cols floats): embedding lookups.
void weight_row_to_f32(const WeightMatrix& w, int64_t r, float* dst);

}  // namespace herd
