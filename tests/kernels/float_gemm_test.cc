// The float-weight GEMM (kernels/gemm_float.h: F32, F16, BF16 weights, f32 activations)
// of every SIMD variant the machine supports: against an exact reference with an error
// bound, bit for bit against the variant's tile kernel (the decode path, which fixes the
// summation order), and batch invariance (a token alone or inside any batch, memcmp).
// Shapes cover the edges: rows not a multiple of the register tile or panel, every token
// count up to 17 and beyond a token block, K not a multiple of the chunk or of a vector.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "tensor/dtype.h"
#include "tensor/quant_ref.h"
#include "random_vec.h"

namespace herd {
namespace {

struct Case {
  KernelVariant variant;
  DType type;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(kernel_variant_name(info.param.variant)) + "_" + std::string(dtype_name(info.param.type));
}

// A weight matrix stored in the type (misaligned by one byte: mapped tensors sit
// anywhere), its exact values as f32, and token rows of very different magnitudes.
struct Problem {
  int64_t n_rows, n_cols, n_tokens;
  size_t row_bytes;
  std::vector<uint8_t> storage;
  std::vector<float> w;  // [n_rows][n_cols], the stored weights exactly
  std::vector<float> x;  // [n_tokens][n_cols]

  Problem(DType type, int64_t rows, int64_t cols, int64_t tokens, uint32_t seed)
      : n_rows(rows), n_cols(cols), n_tokens(tokens) {
    row_bytes = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(cols)));
    storage.resize(row_bytes * static_cast<size_t>(rows) + 1);
    w.resize(static_cast<size_t>(rows * cols));
    const std::vector<float> wf = random_vec(w.size(), seed, -1.0f, 1.0f);
    for (int64_t r = 0; r < rows; ++r) {
      quantize_row_ref(type, wf.data() + r * cols, this->row(r), cols);
      dequantize_row_ref(type, this->row(r), w.data() + r * cols, cols);
    }
    x = random_vec(static_cast<size_t>(tokens * cols), seed + 1, -2.0f, 2.0f);
    for (int64_t t = 0; t < tokens; ++t) {
      const float s = 1.0f + static_cast<float>(t % 5) * 7.0f;
      for (int64_t c = 0; c < cols; ++c) x[static_cast<size_t>(t * cols + c)] *= s;
    }
  }
  uint8_t* row(int64_t r) { return storage.data() + 1 + static_cast<size_t>(r) * row_bytes; }
  const uint8_t* rows() const { return storage.data() + 1; }
  const uint8_t* acts(int64_t t = 0) const { return reinterpret_cast<const uint8_t*>(x.data() + t * n_cols); }
  size_t act_bytes() const { return static_cast<size_t>(n_cols) * sizeof(float); }
};

class FloatGemmTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    table_ = kernel_table(GetParam().variant);
    ASSERT_NE(table_, nullptr);
    tk_ = &table_->of(GetParam().type);
    if (tk_->gemm == nullptr) GTEST_SKIP() << "no float GEMM in this variant";
    ASSERT_NE(tk_->vec_dot_tile, nullptr);
  }

  // The GEMM entry on the whole problem, y[t][r].
  std::vector<float> gemm(const Problem& p, int64_t n_rows_used) const {
    std::vector<float> y(static_cast<size_t>(p.n_tokens * n_rows_used), NAN);
    tk_->gemm(p.rows(), p.row_bytes, n_rows_used, p.acts(), p.act_bytes(), p.n_tokens, p.n_cols, y.data(),
              n_rows_used);
    return y;
  }

  // Every result within the rigorous bound of float summation around the exact product,
  // bit for bit the tile kernel's, and bit for bit the result of its token alone.
  void check(const Problem& p) const {
    const std::vector<float> y = gemm(p, p.n_rows);
    std::vector<float> tile(y.size(), NAN);
    tk_->vec_dot_tile(p.rows(), p.row_bytes, p.n_rows, p.acts(), p.act_bytes(), p.n_tokens, p.n_cols, tile.data(),
                      p.n_rows);
    std::vector<float> alone(static_cast<size_t>(p.n_rows), NAN);
    for (int64_t t = 0; t < p.n_tokens; ++t) {
      tk_->gemm(p.rows(), p.row_bytes, p.n_rows, p.acts(t), p.act_bytes(), 1, p.n_cols, alone.data(), p.n_rows);
      const float* yt = y.data() + t * p.n_rows;
      ASSERT_EQ(std::memcmp(yt, alone.data(), alone.size() * sizeof(float)), 0)
          << "token " << t << " alone differs, shape " << p.n_rows << "x" << p.n_cols << " tokens " << p.n_tokens;
      ASSERT_EQ(std::memcmp(yt, tile.data() + t * p.n_rows, alone.size() * sizeof(float)), 0)
          << "token " << t << " differs from the tile kernel, shape " << p.n_rows << "x" << p.n_cols;
      for (int64_t r = 0; r < p.n_rows; ++r) {
        double want = 0.0, mag = 0.0;
        for (int64_t c = 0; c < p.n_cols; ++c) {
          const double prod = static_cast<double>(p.w[static_cast<size_t>(r * p.n_cols + c)]) *
                              static_cast<double>(p.x[static_cast<size_t>(t * p.n_cols + c)]);
          want += prod;
          mag += std::fabs(prod);
        }
        const double tol = static_cast<double>(p.n_cols + 1) * 0x1p-24 * mag + 1e-7;
        ASSERT_NEAR(yt[r], want, tol) << "row " << r << " token " << t << " shape " << p.n_rows << "x" << p.n_cols;
      }
    }
  }

  const KernelTable* table_ = nullptr;
  const TypeKernels* tk_ = nullptr;
};

TEST_P(FloatGemmTest, EveryTokenCountUpTo17) {
  // 45 rows: a whole 32-row panel and a partial one whose last register tile is partial.
  // 1296 columns: five 256-element chunks and a partial sixth.
  const Problem p(GetParam().type, 45, 1296, 17, 31);
  for (int64_t n_tokens = 1; n_tokens <= 17; ++n_tokens) {
    Problem q = p;
    q.n_tokens = n_tokens;
    check(q);
  }
}

TEST_P(FloatGemmTest, OddColumnCounts) {
  // K a multiple of 16 only, a multiple of 8 only, below one vector, odd, one chunk
  // exactly, one element past a chunk.
  for (const int64_t cols : {int64_t{48}, int64_t{40}, int64_t{5}, int64_t{37}, int64_t{299}, int64_t{256},
                             int64_t{257}}) {
    check(Problem(GetParam().type, 13, cols, 9, 40 + static_cast<uint32_t>(cols)));
  }
}

TEST_P(FloatGemmTest, RowCountsAroundTheTiles) {
  for (const int64_t rows : {int64_t{1}, int64_t{3}, int64_t{4}, int64_t{7}, int64_t{31}, int64_t{32},
                             int64_t{33}}) {
    check(Problem(GetParam().type, rows, 272, 11, 60 + static_cast<uint32_t>(rows)));
  }
}

TEST_P(FloatGemmTest, SeveralTokenBlocks) {
  // Long rows shrink the token block (it keeps about 1 MB of activations in L2): 70
  // tokens of 4112 columns span two blocks.
  check(Problem(GetParam().type, 9, 4112, 70, 80));
}

// Through matmul, on every thread count: a token's row is the same alone as in a batch.
TEST_P(FloatGemmTest, MatmulIsBatchInvariant) {
  ASSERT_TRUE(select_kernels(GetParam().variant));
  const Problem p(GetParam().type, 45, 1280, 37, 90);
  WeightMatrix w;
  w.type = GetParam().type;
  w.data = p.rows();
  w.n_cols = p.n_cols;
  w.n_rows = p.n_rows;
  w.row_bytes = p.row_bytes;
  std::vector<float> single(static_cast<size_t>(p.n_tokens * p.n_rows));
  ThreadPool one(1);
  for (int64_t t = 0; t < p.n_tokens; ++t) {
    matmul(w, p.x.data() + t * p.n_cols, 1, single.data() + t * p.n_rows, one);
  }
  for (const int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::vector<float> y(single.size(), NAN);
    matmul(w, p.x.data(), p.n_tokens, y.data(), pool);
    EXPECT_EQ(std::memcmp(y.data(), single.data(), y.size() * sizeof(float)), 0) << "threads " << threads;
  }
  select_kernels(best_kernel_variant());
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (KernelVariant v : supported_variants()) {
    for (DType t : {DType::kF32, DType::kF16, DType::kBF16}) cases.push_back({v, t});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(FloatTypes, FloatGemmTest, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace herd
