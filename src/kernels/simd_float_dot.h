// Float-row dot products of one SIMD variant (F32, F16, BF16 weights with F32
// activations), as single rows and as rows x tokens tiles, plus the tile walker the
// quantized tiles share. Written once over simd_vec.h; included by kernels_<isa>.cc only.
#pragma once

#include "kernels/simd_vec.h"

namespace herd::HERD_SIMD_NS {

// ---- weight rows of a float type ----------------------------------------------------

struct LoadF32 {
  static constexpr size_t kElemBytes = 4;
  static VF full(const void* row, int64_t i) { return vload(static_cast<const float*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) { return vload_part(static_cast<const float*>(row) + i, n); }
};
struct LoadF16 {
  static constexpr size_t kElemBytes = 2;
  static VF full(const void* row, int64_t i) { return vload_f16(static_cast<const uint16_t*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) { return vload_f16_part(static_cast<const uint16_t*>(row) + i, n); }
};
struct LoadBF16 {
  static constexpr size_t kElemBytes = 2;
  static VF full(const void* row, int64_t i) { return vload_bf16(static_cast<const uint16_t*>(row) + i); }
  static VF part(const void* row, int64_t i, int n) {
    return vload_bf16_part(static_cast<const uint16_t*>(row) + i, n);
  }
};

template <class L>
float dot_float_row(const void* row, const void* act, int64_t n) {
  const float* x = static_cast<const float*>(act);
  VF a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
  int64_t i = 0;
  for (; i + 4 * kW <= n; i += 4 * kW) {
    a0 = vfma(L::full(row, i), vload(x + i), a0);
    a1 = vfma(L::full(row, i + kW), vload(x + i + kW), a1);
    a2 = vfma(L::full(row, i + 2 * kW), vload(x + i + 2 * kW), a2);
    a3 = vfma(L::full(row, i + 3 * kW), vload(x + i + 3 * kW), a3);
  }
  for (; i + kW <= n; i += kW) a0 = vfma(L::full(row, i), vload(x + i), a0);
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    a1 = vfma(L::part(row, i, rest), vload_part(x + i, rest), a1);
  }
  return vhsum(vadd(vadd(a0, a1), vadd(a2, a3)));
}

// R rows x T tokens, all of n: every weight vector is converted once per T tokens.
// Its summation order (one accumulator per dot product, vhsum at the end) is the one the
// float GEMM (gemm_float.h) reproduces bit for bit: change both or neither.
template <class L, int R, int T>
void float_micro_tile(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes,
                      int64_t n, float* y, int64_t y_stride) {
  VF acc[R][T];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) acc[r][t] = vzero();
  }
  const float* x[T];
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) x[t] = reinterpret_cast<const float*>(acts + t * act_bytes);
  int64_t i = 0;
  for (; i + kW <= n; i += kW) {
    VF w[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) w[r] = L::full(rows + r * row_bytes, i);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload(x[t] + i);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = vfma(w[r], xv, acc[r][t]);
    }
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const VF xv = vload_part(x[t] + i, rest);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = vfma(L::part(rows + r * row_bytes, i, rest), xv, acc[r][t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) y[t * y_stride + r] = vhsum(acc[r][t]);
  }
}

// Walks an n_rows x n_acts tile in micro tiles of at most kR x kT, with smaller micro
// tiles at the edges. Micro(r, t) is a template taking the micro tile's shape.
template <int kR, int kT, template <int, int> class Micro>
void walk_tile(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
               int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  static_assert(kR <= 4 && kT <= 4);
  for (int64_t t = 0; t < n_acts; t += kT) {
    const int64_t nt = n_acts - t < kT ? n_acts - t : kT;
    for (int64_t r = 0; r < n_rows; r += kR) {
      const int64_t nr = n_rows - r < kR ? n_rows - r : kR;
      const uint8_t* rp = rows + r * row_bytes;
      const uint8_t* ap = acts + t * act_bytes;
      float* yp = y + t * y_stride + r;
#define HERD_TILE_CASE(R_, T_) \
  case (R_) * 8 + (T_): Micro<R_, T_>::run(rp, row_bytes, ap, act_bytes, n, yp, y_stride); break;
      switch (nr * 8 + nt) {
        HERD_TILE_CASE(1, 1) HERD_TILE_CASE(1, 2) HERD_TILE_CASE(1, 3) HERD_TILE_CASE(1, 4)
        HERD_TILE_CASE(2, 1) HERD_TILE_CASE(2, 2) HERD_TILE_CASE(2, 3) HERD_TILE_CASE(2, 4)
        HERD_TILE_CASE(3, 1) HERD_TILE_CASE(3, 2) HERD_TILE_CASE(3, 3) HERD_TILE_CASE(3, 4)
        HERD_TILE_CASE(4, 1) HERD_TILE_CASE(4, 2) HERD_TILE_CASE(4, 3) HERD_TILE_CASE(4, 4)
        default: break;
      }
#undef HERD_TILE_CASE
    }
  }
}

template <class L>
struct FloatMicro {
  template <int R, int T>
  struct M {
    static void run(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                    float* y, int64_t y_stride) {
      float_micro_tile<L, R, T>(rows, row_bytes, acts, act_bytes, n, y, y_stride);
    }
  };
};

}  // namespace herd::HERD_SIMD_NS
