#include "tensor/quant_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant_test_util.h"
#include "tensor/half.h"
#include "tensor/iq4_ref.h"
#include "tensor/kquant_ref.h"
#include "tensor/quant_block_ref.h"

namespace herd {
namespace {

using testing::block_at;
using testing::dequantize;
using testing::gaussian_row;
using testing::kKRefTypes;
using testing::kRefTypes;
using testing::quantize;
using testing::row_bytes;

constexpr double kUnit = 0x1p-24;  // float unit roundoff
constexpr int kQK = kQuantBlockSize;

bool has_offset(DType type) { return type == DType::kQ4_1 || type == DType::kQ5_1; }

TEST(QuantRefTest, WhichTypesHaveAReference) {
  for (DType type : kRefTypes) EXPECT_TRUE(dtype_has_ref(type)) << dtype_name(type);
  for (DType type : kKRefTypes) EXPECT_TRUE(dtype_has_ref(type)) << dtype_name(type);
  for (DType type : {DType::kIQ2_XXS, DType::kIQ2_XS, DType::kIQ2_S, DType::kIQ3_XXS, DType::kIQ3_S,
                     DType::kIQ1_S, DType::kIQ1_M, DType::kTQ1_0, DType::kTQ2_0, DType::kMXFP4,
                     DType::kI8, DType::kI32, DType::kF64}) {
    EXPECT_FALSE(dtype_has_ref(type)) << dtype_name(type);
  }
}

TEST(QuantRefTest, BlockStructsMatchTheDTypeTable) {
  const struct {
    DType type;
    size_t bytes;
  } cases[] = {{DType::kQ4_0, sizeof(BlockQ4_0)}, {DType::kQ4_1, sizeof(BlockQ4_1)},
               {DType::kQ5_0, sizeof(BlockQ5_0)}, {DType::kQ5_1, sizeof(BlockQ5_1)},
               {DType::kQ8_0, sizeof(BlockQ8_0)}, {DType::kQ8_1, sizeof(BlockQ8_1)}};
  for (const auto& c : cases) {
    EXPECT_EQ(dtype_info(c.type).block_bytes, c.bytes) << dtype_name(c.type);
    EXPECT_EQ(dtype_info(c.type).block_size, static_cast<uint32_t>(kQK)) << dtype_name(c.type);
  }
  const struct {
    DType type;
    size_t bytes;
    int elems;
  } k_cases[] = {{DType::kQ2_K, sizeof(BlockQ2_K), kBlockElems<BlockQ2_K>},
                 {DType::kQ3_K, sizeof(BlockQ3_K), kBlockElems<BlockQ3_K>},
                 {DType::kQ4_K, sizeof(BlockQ4_K), kBlockElems<BlockQ4_K>},
                 {DType::kQ5_K, sizeof(BlockQ5_K), kBlockElems<BlockQ5_K>},
                 {DType::kQ6_K, sizeof(BlockQ6_K), kBlockElems<BlockQ6_K>},
                 {DType::kQ8_K, sizeof(BlockQ8_K), kBlockElems<BlockQ8_K>},
                 {DType::kIQ4_NL, sizeof(BlockIQ4_NL), kBlockElems<BlockIQ4_NL>},
                 {DType::kIQ4_XS, sizeof(BlockIQ4_XS), kBlockElems<BlockIQ4_XS>}};
  for (const auto& c : k_cases) {
    EXPECT_EQ(dtype_info(c.type).block_bytes, c.bytes) << dtype_name(c.type);
    EXPECT_EQ(dtype_info(c.type).block_size, static_cast<uint32_t>(c.elems)) << dtype_name(c.type);
  }
}

TEST(QuantRefTest, VecDotTypes) {
  EXPECT_EQ(vec_dot_type(DType::kQ4_0), DType::kQ8_0);
  EXPECT_EQ(vec_dot_type(DType::kQ5_0), DType::kQ8_0);
  EXPECT_EQ(vec_dot_type(DType::kQ8_0), DType::kQ8_0);
  EXPECT_EQ(vec_dot_type(DType::kQ4_1), DType::kQ8_1);
  EXPECT_EQ(vec_dot_type(DType::kQ5_1), DType::kQ8_1);
  EXPECT_EQ(vec_dot_type(DType::kQ8_1), DType::kQ8_1);
  EXPECT_EQ(vec_dot_type(DType::kF16), DType::kF16);
  EXPECT_EQ(vec_dot_type(DType::kBF16), DType::kBF16);
  EXPECT_EQ(vec_dot_type(DType::kF32), DType::kF32);
  EXPECT_EQ(vec_dot_type(DType::kIQ4_NL), DType::kQ8_0);
  for (DType type : {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                     DType::kQ8_K, DType::kIQ4_XS}) {
    EXPECT_EQ(vec_dot_type(type), DType::kQ8_K) << dtype_name(type);
  }
  for (DType type : kRefTypes) EXPECT_TRUE(dtype_has_ref(vec_dot_type(type)));
  for (DType type : kKRefTypes) EXPECT_TRUE(dtype_has_ref(vec_dot_type(type)));
}

TEST(QuantRefTest, FloatRowsConvertPerElement) {
  const std::vector<float> x = gaussian_row(64, 5, 100.0f);
  const std::vector<uint8_t> f32 = quantize(DType::kF32, x);
  EXPECT_EQ(std::memcmp(f32.data(), x.data(), f32.size()), 0);
  EXPECT_EQ(dequantize(DType::kF32, f32, 64), x);

  const std::vector<uint8_t> f16 = quantize(DType::kF16, x);
  const std::vector<uint8_t> bf16 = quantize(DType::kBF16, x);
  const std::vector<float> y16 = dequantize(DType::kF16, f16, 64);
  const std::vector<float> yb16 = dequantize(DType::kBF16, bf16, 64);
  for (size_t i = 0; i < x.size(); ++i) {
    uint16_t h, b;
    std::memcpy(&h, f16.data() + 2 * i, 2);
    std::memcpy(&b, bf16.data() + 2 * i, 2);
    EXPECT_EQ(h, f32_to_fp16(x[i]));
    EXPECT_EQ(b, f32_to_bf16(x[i]));
    EXPECT_EQ(y16[i], fp16_to_f32(h));
    EXPECT_EQ(yb16[i], bf16_to_f32(b));
  }
}

template <typename Block>
void expect_row_is_blocks(DType type, const std::vector<float>& x) {
  const std::vector<uint8_t> q = quantize(type, x);
  for (size_t i = 0; i < x.size() / kQK; ++i) {
    Block b;
    quantize_block(x.data() + i * kQK, &b);
    ASSERT_EQ(std::memcmp(q.data() + i * sizeof(Block), &b, sizeof(Block)), 0)
        << dtype_name(type) << " block " << i;
  }
}

TEST(QuantRefTest, QuantizedRowIsItsBlocks) {
  const std::vector<float> x = gaussian_row(8 * kQK, 6);
  expect_row_is_blocks<BlockQ4_0>(DType::kQ4_0, x);
  expect_row_is_blocks<BlockQ4_1>(DType::kQ4_1, x);
  expect_row_is_blocks<BlockQ5_0>(DType::kQ5_0, x);
  expect_row_is_blocks<BlockQ5_1>(DType::kQ5_1, x);
  expect_row_is_blocks<BlockQ8_0>(DType::kQ8_0, x);
  expect_row_is_blocks<BlockQ8_1>(DType::kQ8_1, x);
  expect_row_is_blocks<BlockIQ4_NL>(DType::kIQ4_NL, x);
}

template <typename Block>
void expect_k_row_is_blocks(DType type, const std::vector<float>& x) {
  constexpr int kElems = kBlockElems<Block>;
  const std::vector<uint8_t> q = quantize(type, x);
  ASSERT_EQ(q.size(), x.size() / kElems * sizeof(Block));
  for (size_t i = 0; i < x.size() / kElems; ++i) {
    Block b;
    quantize_block(x.data() + i * kElems, &b);
    ASSERT_EQ(std::memcmp(q.data() + i * sizeof(Block), &b, sizeof(Block)), 0)
        << dtype_name(type) << " block " << i;
    float y[kElems];
    dequantize_block(b, y);
    const std::vector<float> row = dequantize(type, q, static_cast<int64_t>(x.size()));
    ASSERT_EQ(std::memcmp(row.data() + i * kElems, y, sizeof(y)), 0) << dtype_name(type);
  }
}

TEST(QuantRefTest, KQuantRowIsItsBlocks) {
  const std::vector<float> x = gaussian_row(3 * 256, 7);
  expect_k_row_is_blocks<BlockQ2_K>(DType::kQ2_K, x);
  expect_k_row_is_blocks<BlockQ3_K>(DType::kQ3_K, x);
  expect_k_row_is_blocks<BlockQ4_K>(DType::kQ4_K, x);
  expect_k_row_is_blocks<BlockQ5_K>(DType::kQ5_K, x);
  expect_k_row_is_blocks<BlockQ6_K>(DType::kQ6_K, x);
  expect_k_row_is_blocks<BlockQ8_K>(DType::kQ8_K, x);
  expect_k_row_is_blocks<BlockIQ4_NL>(DType::kIQ4_NL, x);
  expect_k_row_is_blocks<BlockIQ4_XS>(DType::kIQ4_XS, x);
}

TEST(QuantRefTest, EmptyRows) {
  std::vector<DType> types(std::begin(kRefTypes), std::end(kRefTypes));
  types.insert(types.end(), std::begin(kKRefTypes), std::end(kKRefTypes));
  for (DType type : types) {
    quantize_row_ref(type, nullptr, nullptr, 0);
    dequantize_row_ref(type, nullptr, nullptr, 0);
    EXPECT_EQ(dot_f32_ref(type, nullptr, nullptr, 0), 0.0f);
    EXPECT_EQ(vec_dot_ref(type, nullptr, nullptr, 0), 0.0f);
  }
}

// Rows in mapped files and byte buffers may start anywhere.
TEST(QuantRefTest, UnalignedRowsGiveTheSameResults) {
  constexpr int64_t n = 512;
  const std::vector<float> x = gaussian_row(n, 8);
  std::vector<DType> types(std::begin(kRefTypes), std::end(kRefTypes));
  types.insert(types.end(), std::begin(kKRefTypes), std::end(kKRefTypes));
  for (DType type : types) {
    const size_t bytes = row_bytes(type, n);
    const std::vector<uint8_t> q = quantize(type, x);
    std::vector<uint8_t> odd(bytes + 3);
    quantize_row_ref(type, x.data(), odd.data() + 3, n);
    ASSERT_EQ(std::memcmp(odd.data() + 3, q.data(), bytes), 0) << dtype_name(type);

    std::vector<float> y(n);
    dequantize_row_ref(type, odd.data() + 3, y.data(), n);
    EXPECT_EQ(y, dequantize(type, q, n)) << dtype_name(type);
    EXPECT_EQ(dot_f32_ref(type, odd.data() + 3, x.data(), n),
              dot_f32_ref(type, q.data(), x.data(), n));

    const DType at = vec_dot_type(type);
    const std::vector<uint8_t> a = quantize(at, x);
    std::vector<uint8_t> a_odd(a.size() + 1);
    std::memcpy(a_odd.data() + 1, a.data(), a.size());
    EXPECT_EQ(vec_dot_ref(type, odd.data() + 3, a_odd.data() + 1, n),
              vec_dot_ref(type, q.data(), a.data(), n))
        << dtype_name(type);
  }
}

// dot_f32_ref is a float dot product of the dequantized row: within the classic bound
// for recursive float summation, (n + 1) u sum|w x|, of the exact (double) value.
TEST(QuantRefTest, DotF32MatchesDequantizedDot) {
  std::vector<DType> types(std::begin(kRefTypes), std::end(kRefTypes));
  types.insert(types.end(), std::begin(kKRefTypes), std::end(kKRefTypes));
  for (int64_t n : {int64_t{256}, int64_t{4096}}) {
    const std::vector<float> w = gaussian_row(n, 21);
    const std::vector<float> x = gaussian_row(n, 22);
    for (DType type : types) {
      const std::vector<uint8_t> q = quantize(type, w);
      const std::vector<float> wd = dequantize(type, q, n);
      double exact = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i) {
        exact += static_cast<double>(wd[i]) * x[i];
        mag += std::fabs(static_cast<double>(wd[i]) * x[i]);
      }
      const double got = dot_f32_ref(type, q.data(), x.data(), n);
      EXPECT_NEAR(got, exact, 1.01 * (n + 1) * kUnit * mag) << dtype_name(type) << " n=" << n;
    }
  }
}

TEST(QuantRefTest, DotF32IsExactOnSmallIntegers) {
  std::vector<float> w(64), x(64);
  double exact = 0;
  for (int i = 0; i < 64; ++i) {
    w[i] = static_cast<float>(i % 16 - 8);  // on the Q4_0 grid with d = -1
    x[i] = static_cast<float>(i % 5 - 2);
    exact += w[i] * x[i];
  }
  for (DType type : kRefTypes) {
    // Off the grid: Q5_1 (d = 15/31) and Q8_x (d = 8/127).
    if (type == DType::kQ5_1 || type == DType::kQ8_0 || type == DType::kQ8_1) continue;
    const std::vector<uint8_t> q = quantize(type, w);
    ASSERT_EQ(dequantize(type, q, 64), w) << dtype_name(type);
    EXPECT_EQ(dot_f32_ref(type, q.data(), x.data(), 64), exact) << dtype_name(type);
  }
}

struct VecDotCheck {
  double exact = 0;  // dot of the dequantized weight and activation rows, in double
  double bound = 0;  // how far vec_dot_ref may be from it
};

// vec_dot_ref computes exact integer block sums, so it differs from the dequantized dot
// only by float rounding of the per-block scaling and of the accumulation, plus, for the
// offset types, by using the stored s = fp16(d * sum(q)) where dequantization uses
// fp16(d) * sum(q).
VecDotCheck check_vec_dot(DType type, const std::vector<uint8_t>& wq,
                          const std::vector<uint8_t>& aq, int64_t n) {
  const DType at = vec_dot_type(type);
  const std::vector<float> w = dequantize(type, wq, n);
  const std::vector<float> a = dequantize(at, aq, n);
  const bool blocks = dtype_info(type).quantized;
  VecDotCheck c;
  double mag = 0, s_err = 0;
  for (int64_t i = 0; i < n; ++i) c.exact += static_cast<double>(w[i]) * a[i];
  for (int64_t b = 0; b < (blocks ? n / kQK : 0); ++b) {
    double m = 0;
    if (has_offset(type)) {
      uint16_t m_bits;
      std::memcpy(&m_bits, wq.data() + b * dtype_info(type).block_bytes + 2, 2);
      m = fp16_to_f32(m_bits);
      const auto ab = block_at<BlockQ8_1>(aq, b);
      double sum_a = 0;
      for (int j = 0; j < kQK; ++j) sum_a += a[b * kQK + j];
      s_err += std::fabs(m) * std::fabs(fp16_to_f32(ab.s) - sum_a);
    }
    // Each block's scaled parts, |q_w d_w q_a d_a| and |m_w q_a d_a|, bound its rounding.
    for (int j = 0; j < kQK; ++j) {
      const int64_t i = b * kQK + j;
      mag += (std::fabs(w[i] - m) + std::fabs(m)) * std::fabs(a[i]);
    }
  }
  if (!blocks) {
    for (int64_t i = 0; i < n; ++i) mag += std::fabs(static_cast<double>(w[i]) * a[i]);
  }
  const double steps = blocks ? static_cast<double>(n / kQK) + 4 : static_cast<double>(n) + 1;
  c.bound = 1.01 * steps * kUnit * mag + s_err;
  return c;
}

TEST(QuantRefTest, VecDotMatchesDequantizedDot) {
  for (int64_t n : {int64_t{32}, int64_t{4096}}) {
    for (uint32_t seed = 0; seed < 4; ++seed) {
      const std::vector<float> w = gaussian_row(n, 100 + seed);
      const std::vector<float> x = gaussian_row(n, 200 + seed, 3.0f);
      for (DType type : kRefTypes) {
        const std::vector<uint8_t> wq = quantize(type, w);
        const std::vector<uint8_t> aq = quantize(vec_dot_type(type), x);
        const VecDotCheck c = check_vec_dot(type, wq, aq, n);
        EXPECT_NEAR(vec_dot_ref(type, wq.data(), aq.data(), n), c.exact, c.bound)
            << dtype_name(type) << " n=" << n << " seed=" << seed;
      }
    }
  }
}

// Against the float activations it stands in for, the quantized-activation dot is off by
// at most sum|w| times the activation's quantization error (under one step per element).
TEST(QuantRefTest, VecDotApproximatesFloatDot) {
  constexpr int64_t n = 2048;
  const std::vector<float> w = gaussian_row(n, 31);
  const std::vector<float> x = gaussian_row(n, 32);
  for (DType type : kRefTypes) {
    const DType at = vec_dot_type(type);
    const std::vector<uint8_t> wq = quantize(type, w);
    const std::vector<uint8_t> aq = quantize(at, x);
    const std::vector<float> wd = dequantize(type, wq, n);
    const std::vector<float> ad = dequantize(at, aq, n);
    double act_err = 0;
    for (int64_t i = 0; i < n; ++i)
      act_err += std::fabs(static_cast<double>(wd[i]) * (ad[i] - x[i]));
    const VecDotCheck c = check_vec_dot(type, wq, aq, n);
    const double f32 = dot_f32_ref(type, wq.data(), x.data(), n);
    const double got = vec_dot_ref(type, wq.data(), aq.data(), n);
    EXPECT_NEAR(got, f32, act_err + c.bound + 1e-4) << dtype_name(type);
    if (at == DType::kF32) {
      EXPECT_EQ(got, f32);
    }
  }
}

// The same for the K-quant and IQ4 types, whose exact per-block bound (mins that cancel
// inside each element) is checked in kquant_ref_test / iq4_ref_test; here a loose
// float-rounding allowance of 1e-5 * max|w| * sum|a| is enough to see the layouts agree.
TEST(QuantRefTest, KQuantVecDotApproximatesFloatDot) {
  constexpr int64_t n = 2048;
  for (uint32_t seed = 0; seed < 4; ++seed) {
    const std::vector<float> w = gaussian_row(n, 33 + seed);
    const std::vector<float> x = gaussian_row(n, 43 + seed, 2.0f);
    for (DType type : kKRefTypes) {
      const DType at = vec_dot_type(type);
      const std::vector<uint8_t> wq = quantize(type, w);
      const std::vector<uint8_t> aq = quantize(at, x);
      const std::vector<float> wd = dequantize(type, wq, n);
      const std::vector<float> ad = dequantize(at, aq, n);
      double act_err = 0, wmax = 0, asum = 0;
      for (int64_t i = 0; i < n; ++i) {
        act_err += std::fabs(static_cast<double>(wd[i]) * (ad[i] - x[i]));
        wmax = std::max(wmax, std::fabs(static_cast<double>(wd[i])));
        asum += std::fabs(ad[i]);
      }
      const double f32 = dot_f32_ref(type, wq.data(), x.data(), n);
      const double got = vec_dot_ref(type, wq.data(), aq.data(), n);
      EXPECT_NEAR(got, f32, act_err + 1e-5 * wmax * asum) << dtype_name(type) << " " << seed;
    }
  }
}

TEST(QuantRefDeathTest, TypesWithoutReferenceAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<uint8_t> row(1024);
  std::vector<float> out(256);
  EXPECT_DEATH(dequantize_row_ref(DType::kIQ2_XXS, row.data(), out.data(), 256), "no reference");
  EXPECT_DEATH(dot_f32_ref(DType::kIQ3_S, row.data(), out.data(), 256), "IQ3_S");
  EXPECT_DEATH(quantize_row_ref(DType::kQ8_0, out.data(), row.data(), 31), "n=31");
  // 32 elements are a whole IQ4_NL block but not a whole Q4_K super-block.
  EXPECT_DEATH(quantize_row_ref(DType::kQ4_K, out.data(), row.data(), 32), "n=32");
}

}  // namespace
}  // namespace herd
