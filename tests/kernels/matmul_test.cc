#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "tensor/dtype.h"
#include "tensor/quant_ref.h"
#include "random_vec.h"

namespace herd {
namespace {

// IEEE binary16 decoded independently of the tensor layer, for the F16 reference.
double fp16_bits_to_double(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(static_cast<double>(mant), -24);
  } else if (exp == 31) {
    v = mant == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<double>(mant + 1024), exp - 25);
  }
  return sign ? -v : v;
}

// A weight matrix quantized row by row through the tensor layer, plus the exact
// value of every stored weight (as a double) for the reference product.
struct TestWeights {
  DType type;
  int64_t n_rows;
  int64_t n_cols;
  size_t row_bytes;
  std::vector<uint8_t> storage;
  size_t offset = 0;               // where row 0 starts inside storage
  std::vector<double> values;      // [n_rows][n_cols], the stored weights exactly

  WeightMatrix matrix() const {
    WeightMatrix w;
    w.type = type;
    w.data = storage.data() + offset;
    w.n_cols = n_cols;
    w.n_rows = n_rows;
    w.row_bytes = row_bytes;
    return w;
  }
};

// stride_pad adds unused bytes after every row; offset misaligns the data pointer.
TestWeights make_weights(DType type, int64_t n_rows, int64_t n_cols, uint32_t seed,
                         size_t stride_pad = 0, size_t offset = 0) {
  TestWeights t;
  t.type = type;
  t.n_rows = n_rows;
  t.n_cols = n_cols;
  const auto bytes = dtype_row_bytes(type, static_cast<uint64_t>(n_cols));
  EXPECT_TRUE(bytes.has_value());
  const size_t packed = static_cast<size_t>(*bytes);
  t.row_bytes = packed + stride_pad;
  t.offset = offset;
  t.storage.assign(offset + t.row_bytes * static_cast<size_t>(n_rows), 0xAB);
  t.values.resize(static_cast<size_t>(n_rows * n_cols));
  const std::vector<float> src = random_vec(static_cast<size_t>(n_rows * n_cols), seed, -1.0f, 1.0f);
  std::vector<float> deq(static_cast<size_t>(n_cols));
  for (int64_t r = 0; r < n_rows; ++r) {
    uint8_t* row = t.storage.data() + offset + static_cast<size_t>(r) * t.row_bytes;
    quantize_row_ref(type, src.data() + r * n_cols, row, n_cols);
    if (type == DType::kF32) {
      for (int64_t c = 0; c < n_cols; ++c) {
        float f;
        std::memcpy(&f, row + c * 4, 4);
        t.values[static_cast<size_t>(r * n_cols + c)] = f;
      }
    } else if (type == DType::kF16) {
      for (int64_t c = 0; c < n_cols; ++c) {
        uint16_t h;
        std::memcpy(&h, row + c * 2, 2);
        t.values[static_cast<size_t>(r * n_cols + c)] = fp16_bits_to_double(h);
      }
    } else {
      dequantize_row_ref(type, row, deq.data(), n_cols);
      for (int64_t c = 0; c < n_cols; ++c) t.values[static_cast<size_t>(r * n_cols + c)] = deq[c];
    }
  }
  return t;
}

// Compares matmul against a double loop over the stored weights.
void expect_matches_reference(const TestWeights& t, int64_t n_tokens, int n_threads, uint32_t seed) {
  const std::vector<float> x = random_vec(static_cast<size_t>(n_tokens * t.n_cols), seed, -2.0f, 2.0f);
  // Sentinels past the end catch writes beyond [n_tokens][n_rows] (ASan catches the rest).
  std::vector<float> y(static_cast<size_t>(n_tokens * t.n_rows) + 4, NAN);
  const float kSentinel = -777.0f;
  for (size_t i = y.size() - 4; i < y.size(); ++i) y[i] = kSentinel;
  ThreadPool pool(n_threads);
  matmul(t.matrix(), x.data(), n_tokens, y.data(), pool);
  for (int64_t tok = 0; tok < n_tokens; ++tok) {
    for (int64_t r = 0; r < t.n_rows; ++r) {
      double want = 0.0, mag = 0.0;
      for (int64_t c = 0; c < t.n_cols; ++c) {
        const double p = t.values[static_cast<size_t>(r * t.n_cols + c)] * x[static_cast<size_t>(tok * t.n_cols + c)];
        want += p;
        mag += std::fabs(p);
      }
      const float got = y[static_cast<size_t>(tok * t.n_rows + r)];
      // Rigorous bound for float summation of n rounded products: about (n + 1) * 2^-24 * sum|p|.
      const double tol = static_cast<double>(t.n_cols + 1) * 0x1p-24 * mag + 1e-7;
      ASSERT_NEAR(got, want, tol)
          << dtype_name(t.type) << " n_tokens " << n_tokens << " threads " << n_threads << " token " << tok
          << " row " << r;
    }
  }
  for (size_t i = y.size() - 4; i < y.size(); ++i) EXPECT_EQ(y[i], kSentinel);
}

struct MatmulCase {
  int64_t n_tokens;
  int n_threads;
};

class MatmulF32Test : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulF32Test, MatchesDoubleLoop) {
  const MatmulCase c = GetParam();
  // 37 rows: not a multiple of any thread count, so chunks are uneven.
  const TestWeights t = make_weights(DType::kF32, 37, 96, 1234);
  expect_matches_reference(t, c.n_tokens, c.n_threads, 99 + static_cast<uint32_t>(c.n_tokens));
}

class MatmulF16Test : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulF16Test, MatchesDequantizedDoubleLoop) {
  const MatmulCase c = GetParam();
  const TestWeights t = make_weights(DType::kF16, 29, 80, 4321);
  expect_matches_reference(t, c.n_tokens, c.n_threads, 7 + static_cast<uint32_t>(c.n_tokens));
}

std::vector<MatmulCase> all_cases() {
  std::vector<MatmulCase> cases;
  for (int64_t n_tokens : {1, 3, 17}) {
    for (int n_threads : {1, 2, 3}) cases.push_back({n_tokens, n_threads});
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<MatmulCase>& info) {
  return "tokens" + std::to_string(info.param.n_tokens) + "_threads" + std::to_string(info.param.n_threads);
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatmulF32Test, ::testing::ValuesIn(all_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Shapes, MatmulF16Test, ::testing::ValuesIn(all_cases()), case_name);

TEST(MatmulTest, F16WeightsAreRoundedNotCopied) {
  // The F16 reference must differ from the float source, or the F16 test above
  // would not show that matmul reads half-precision rows.
  const TestWeights t = make_weights(DType::kF16, 4, 64, 4321);
  const std::vector<float> src = random_vec(4 * 64, 4321, -1.0f, 1.0f);
  int differing = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_NEAR(t.values[i], src[i], 1e-3);
    differing += t.values[i] != static_cast<double>(src[i]);
  }
  EXPECT_GT(differing, 100);
}

TEST(MatmulTest, BF16WeightsMatchTheirDequantizedRows) {
  const TestWeights t = make_weights(DType::kBF16, 11, 64, 55);
  expect_matches_reference(t, 3, 2, 66);
}

// Quantized weights multiply activations quantized to vec_dot_type (as the reference
// engine does): matmul must equal vec_dot_ref on those rows, up to float summation order.
void expect_matches_vec_dot(DType type, int64_t n_rows, int64_t n_cols, int64_t n_tokens, int n_threads) {
  const TestWeights t = make_weights(type, n_rows, n_cols, 55);
  const std::vector<float> x = random_vec(static_cast<size_t>(n_tokens * n_cols), 66, -2.0f, 2.0f);
  std::vector<float> y(static_cast<size_t>(n_tokens * n_rows), NAN);
  ThreadPool pool(n_threads);
  matmul(t.matrix(), x.data(), n_tokens, y.data(), pool);
  const DType at = vec_dot_type(type);
  const size_t ab = static_cast<size_t>(*dtype_row_bytes(at, static_cast<uint64_t>(n_cols)));
  std::vector<uint8_t> act(ab);
  for (int64_t tok = 0; tok < n_tokens; ++tok) {
    quantize_row_ref(at, x.data() + tok * n_cols, act.data(), n_cols);
    for (int64_t r = 0; r < n_rows; ++r) {
      const uint8_t* row = t.storage.data() + t.offset + static_cast<size_t>(r) * t.row_bytes;
      const float want = vec_dot_ref(type, row, act.data(), n_cols);
      double mag = 0.0;
      for (int64_t c = 0; c < n_cols; ++c) {
        mag += std::fabs(t.values[static_cast<size_t>(r * n_cols + c)] * x[static_cast<size_t>(tok * n_cols + c)]);
      }
      const float got = y[static_cast<size_t>(tok * n_rows + r)];
      ASSERT_NEAR(got, want, static_cast<double>(n_cols + 8) * 0x1p-24 * mag * 1.1 + 1e-6)
          << dtype_name(type) << " token " << tok << " row " << r;
      // And the activation rounding itself stays small next to the exact product.
      double exact = 0.0;
      for (int64_t c = 0; c < n_cols; ++c) {
        exact += t.values[static_cast<size_t>(r * n_cols + c)] * x[static_cast<size_t>(tok * n_cols + c)];
      }
      ASSERT_NEAR(got, exact, 0.02 * mag) << dtype_name(type) << " token " << tok << " row " << r;
    }
  }
}

TEST(MatmulTest, QuantizedWeightsMatchVecDotOfQuantizedActivations) {
  for (KernelVariant v : supported_variants()) {
    ASSERT_TRUE(select_kernels(v));
    for (DType type : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0}) {
      expect_matches_vec_dot(type, 11, 64, 3, 2);
      expect_matches_vec_dot(type, 37, 256, 9, 3);
      expect_matches_vec_dot(type, 5, 32, 1, 1);
    }
  }
  select_kernels(best_kernel_variant());
}

TEST(MatmulTest, FloatWeightsInEveryVariant) {
  for (KernelVariant v : supported_variants()) {
    ASSERT_TRUE(select_kernels(v));
    for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
      for (int64_t n_tokens : {1, 5, 17}) {
        expect_matches_reference(make_weights(type, 23, 72, 7), n_tokens, 2, 8);
      }
    }
  }
  select_kernels(best_kernel_variant());
}

TEST(MatmulTest, KnownProduct) {
  // w = [[1, 2, 3], [-1, 0, 0.5]], x = [[1, 1, 1], [2, -1, 4]].
  const float w[6] = {1, 2, 3, -1, 0, 0.5f};
  WeightMatrix m;
  m.type = DType::kF32;
  m.data = reinterpret_cast<const uint8_t*>(w);
  m.n_cols = 3;
  m.n_rows = 2;
  m.row_bytes = 3 * sizeof(float);
  const float x[6] = {1, 1, 1, 2, -1, 4};
  float y[4] = {0, 0, 0, 0};
  ThreadPool pool(2);
  matmul(m, x, 2, y, pool);
  EXPECT_EQ(y[0], 6.0f);    // token 0, row 0
  EXPECT_EQ(y[1], -0.5f);   // token 0, row 1
  EXPECT_EQ(y[2], 12.0f);   // token 1, row 0: 2 - 2 + 12
  EXPECT_EQ(y[3], 0.0f);    // token 1, row 1: -2 + 0 + 2
}

TEST(MatmulTest, UsesRowBytesAsTheStride) {
  // Padded rows: row r starts r * row_bytes in, not r * n_cols * 4.
  const TestWeights t = make_weights(DType::kF32, 9, 16, 808, /*stride_pad=*/12);
  expect_matches_reference(t, 3, 3, 909);
}

TEST(MatmulTest, UnalignedRows) {
  // Mapped files put tensors at any byte offset.
  const TestWeights f32 = make_weights(DType::kF32, 7, 32, 17, /*stride_pad=*/1, /*offset=*/3);
  expect_matches_reference(f32, 2, 2, 18);
  const TestWeights f16 = make_weights(DType::kF16, 7, 32, 19, /*stride_pad=*/3, /*offset=*/1);
  expect_matches_reference(f16, 2, 3, 20);
}

TEST(MatmulTest, FewerRowsThanThreads) {
  const TestWeights t = make_weights(DType::kF32, 2, 8, 3);
  expect_matches_reference(t, 5, 3, 4);
  const TestWeights one = make_weights(DType::kF16, 1, 8, 5);
  expect_matches_reference(one, 1, 3, 6);
}

TEST(MatmulTest, SameResultForEveryThreadCount) {
  // Each row is one dot product whatever the split, so results are bit-identical.
  const TestWeights t = make_weights(DType::kF16, 23, 48, 31);
  const std::vector<float> x = random_vec(5 * 48, 32, -1.0f, 1.0f);
  std::vector<float> y1(5 * 23), yn(5 * 23);
  ThreadPool p1(1);
  matmul(t.matrix(), x.data(), 5, y1.data(), p1);
  for (int n : {2, 3, 8}) {
    ThreadPool pn(n);
    matmul(t.matrix(), x.data(), 5, yn.data(), pn);
    EXPECT_EQ(yn, y1) << "threads " << n;
  }
}

TEST(WeightRowToF32Test, F32RowIsCopiedExactly) {
  const TestWeights t = make_weights(DType::kF32, 5, 24, 71, /*stride_pad=*/8);
  const WeightMatrix w = t.matrix();
  for (int64_t r = 0; r < t.n_rows; ++r) {
    std::vector<float> dst(static_cast<size_t>(t.n_cols) + 1, -9.0f);
    weight_row_to_f32(w, r, dst.data());
    for (int64_t c = 0; c < t.n_cols; ++c) {
      ASSERT_EQ(dst[static_cast<size_t>(c)], t.values[static_cast<size_t>(r * t.n_cols + c)]) << r << "," << c;
    }
    EXPECT_EQ(dst.back(), -9.0f);  // wrote exactly n_cols values
  }
}

TEST(WeightRowToF32Test, F16RowIsDecodedExactly) {
  const TestWeights t = make_weights(DType::kF16, 6, 40, 72, /*stride_pad=*/2, /*offset=*/1);
  const WeightMatrix w = t.matrix();
  for (int64_t r = 0; r < t.n_rows; ++r) {
    std::vector<float> dst(static_cast<size_t>(t.n_cols) + 1, -9.0f);
    weight_row_to_f32(w, r, dst.data());
    for (int64_t c = 0; c < t.n_cols; ++c) {
      ASSERT_EQ(static_cast<double>(dst[static_cast<size_t>(c)]), t.values[static_cast<size_t>(r * t.n_cols + c)])
          << r << "," << c;
    }
    EXPECT_EQ(dst.back(), -9.0f);
  }
}

TEST(WeightRowToF32Test, PicksTheRequestedRow) {
  // Row r of an embedding table holds r in every slot.
  const int64_t n_rows = 10, n_cols = 8;
  std::vector<uint16_t> table(static_cast<size_t>(n_rows * n_cols));
  for (int64_t r = 0; r < n_rows; ++r) {
    const float v = static_cast<float>(r);
    for (int64_t c = 0; c < n_cols; ++c) quantize_row_ref(DType::kF16, &v, &table[static_cast<size_t>(r * n_cols + c)], 1);
  }
  WeightMatrix w;
  w.type = DType::kF16;
  w.data = reinterpret_cast<const uint8_t*>(table.data());
  w.n_cols = n_cols;
  w.n_rows = n_rows;
  w.row_bytes = static_cast<size_t>(n_cols) * 2;
  std::vector<float> dst(static_cast<size_t>(n_cols));
  for (int64_t r : {int64_t{0}, int64_t{3}, int64_t{9}}) {
    weight_row_to_f32(w, r, dst.data());
    for (float v : dst) EXPECT_EQ(v, static_cast<float>(r));
  }
}

}  // namespace
}  // namespace herd
