#include "kernels/matmul.h"

#include "tensor/quant_ref.h"

namespace herd {

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
  pool.parallel_for(w.n_rows, [&](int64_t begin, int64_t end) {
    // Hot spot: rows outer so each weight row is read from memory once per batch.
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* row = w.row(r);
      for (int64_t t = 0; t < n_tokens; ++t) {
        y[t * w.n_rows + r] = dot_f32_ref(w.type, row, x + t * w.n_cols, w.n_cols);
      }
    }
  });
}

void weight_row_to_f32(const WeightMatrix& w, int64_t r, float* dst) {
  dequantize_row_ref(w.type, w.row(r), dst, w.n_cols);
}

}  // namespace herd
