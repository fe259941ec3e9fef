// Quantization of K-quant super-blocks (kquant_quantize.cc) through the row API:
// error bounds on Gaussian data, zero blocks, non-finite input, Q8_K's exact rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "quant_test_util.h"
#include "tensor/half.h"
#include "tensor/kquant_ref.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

using testing::block_at;
using testing::dequantize;
using testing::gaussian_row;
using testing::quantize;

constexpr int kQK = kQK_K;

struct ErrorBound {
  DType type;
  double rel_rms;  // RMS error / RMS of the data, over 32 super-blocks of N(0, 1)
  double max_abs;  // largest single error on N(0, 1) data
};

// Measured on 65536 N(0, 1) values: Q2_K 0.296 / 1.23, Q3_K 0.151 / 0.59, Q4_K 0.0714 /
// 0.244, Q5_K 0.0361 / 0.126, Q6_K 0.0178 / 0.073, Q8_K 0.0069 / 0.018. The bounds
// keep that ordering and leave room.
constexpr ErrorBound kBounds[] = {
    {DType::kQ2_K, 0.32, 1.5},   {DType::kQ3_K, 0.165, 0.75},  {DType::kQ4_K, 0.078, 0.32},
    {DType::kQ5_K, 0.039, 0.16}, {DType::kQ6_K, 0.0195, 0.09}, {DType::kQ8_K, 0.0075, 0.025},
};

TEST(KQuantQuantizeTest, GaussianRoundTripError) {
  constexpr int64_t n = 32 * kQK;
  for (uint32_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> x = gaussian_row(n, 40 + seed);
    double prev_rms = 1.0;
    for (const ErrorBound& b : kBounds) {
      const std::vector<float> y = dequantize(b.type, quantize(b.type, x), n);
      double e2 = 0, x2 = 0, emax = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double e = static_cast<double>(y[i]) - x[i];
        e2 += e * e;
        x2 += static_cast<double>(x[i]) * x[i];
        emax = std::max(emax, std::fabs(e));
      }
      const double rms = std::sqrt(e2 / x2);
      EXPECT_LT(rms, b.rel_rms) << dtype_name(b.type) << " seed " << seed;
      EXPECT_LT(emax, b.max_abs) << dtype_name(b.type) << " seed " << seed;
      EXPECT_LT(rms, prev_rms) << dtype_name(b.type) << " is not better than the type before";
      prev_rms = rms;
    }
  }
}

// Every step of the searches commutes with scaling by a power of two (while the fp16
// scales stay normal), so scaled data gives exactly scaled values.
TEST(KQuantQuantizeTest, PowerOfTwoScalingIsExact) {
  constexpr int64_t n = 8 * kQK;
  const std::vector<float> x = gaussian_row(n, 50);
  for (float f : {0.25f, 8.0f}) {
    std::vector<float> xs(x);
    for (float& v : xs) v *= f;
    for (const ErrorBound& b : kBounds) {
      const std::vector<float> y = dequantize(b.type, quantize(b.type, x), n);
      const std::vector<float> ys = dequantize(b.type, quantize(b.type, xs), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(ys[i], y[i] * f) << dtype_name(b.type) << " " << i;
    }
  }
}

TEST(KQuantQuantizeTest, ZeroBlocksDequantizeToZero) {
  const std::vector<float> x(2 * kQK, 0.0f);
  for (const ErrorBound& b : kBounds) {
    const std::vector<uint8_t> q = quantize(b.type, x);
    for (float v : dequantize(b.type, q, 2 * kQK)) EXPECT_EQ(v, 0.0f) << dtype_name(b.type);
  }
  // Q2_K, Q4_K, Q5_K, Q6_K and Q8_K zero blocks are all zero bytes.
  for (DType type : {DType::kQ2_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K}) {
    const std::vector<uint8_t> q = quantize(type, x);
    EXPECT_TRUE(std::all_of(q.begin(), q.end(), [](uint8_t v) { return v == 0; }))
        << dtype_name(type);
  }
}

// A constant block is represented well: by the min of the offset types, by a scale
// of the others.
TEST(KQuantQuantizeTest, ConstantBlocks) {
  for (float c : {0.75f, -3.0f}) {
    const std::vector<float> x(kQK, c);
    for (const ErrorBound& b : kBounds) {
      for (float v : dequantize(b.type, quantize(b.type, x), kQK)) {
        EXPECT_NEAR(v, c, 2e-3 * std::fabs(c)) << dtype_name(b.type) << " c=" << c;
      }
    }
  }
}

// Non-finite input must not be undefined behaviour (the sanitizer build checks that);
// the output is deterministic and the other blocks of the row are unaffected.
TEST(KQuantQuantizeTest, NonFiniteInputStaysInItsBlock) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> good = gaussian_row(kQK, 60);
  for (float bad : {kNaN, kInf, -kInf, std::numeric_limits<float>::max()}) {
    std::vector<float> x = gaussian_row(2 * kQK, 61);
    x[5] = bad;
    std::copy(good.begin(), good.end(), x.begin() + kQK);
    for (const ErrorBound& b : kBounds) {
      const std::vector<uint8_t> q1 = quantize(b.type, x);
      const std::vector<uint8_t> q2 = quantize(b.type, x);
      EXPECT_EQ(q1, q2) << dtype_name(b.type);
      const size_t bytes = dtype_info(b.type).block_bytes;
      const std::vector<uint8_t> alone = quantize(b.type, good);
      EXPECT_EQ(std::memcmp(q1.data() + bytes, alone.data(), bytes), 0) << dtype_name(b.type);
      (void)dequantize(b.type, q1, 2 * kQK);
    }
  }
}

TEST(KQuantQuantizeTest, Q8_KRules) {
  // Integers -127..127 with -127 the first largest magnitude: d = 1, codes = values.
  std::vector<float> x(kQK);
  for (int e = 0; e < kQK; ++e) x[e] = static_cast<float>(e % 255 - 127);
  auto b = block_at<BlockQ8_K>(quantize(DType::kQ8_K, x), 0);
  EXPECT_EQ(b.d, 1.0f);
  for (int e = 0; e < kQK; ++e) EXPECT_EQ(b.qs[e], x[e]) << e;
  for (int k = 0; k < 16; ++k) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += b.qs[16 * k + l];
    EXPECT_EQ(b.bsums[k], sum) << k;
  }

  // The signed largest element becomes -127: d is negative for a positive maximum.
  x.assign(kQK, 0.5f);
  x[7] = 2.54f;
  x[8] = -1.0f;
  b = block_at<BlockQ8_K>(quantize(DType::kQ8_K, x), 0);
  EXPECT_FLOAT_EQ(b.d, -0.02f);
  EXPECT_EQ(b.qs[7], -127);
  EXPECT_EQ(b.qs[8], 50);
  EXPECT_EQ(b.qs[0], -25);  // 0.5 / -0.02 = -25
}

TEST(KQuantQuantizeTest, Q6_KSignedScales) {
  // Sub-blocks of alternating sign and growing size: scales keep their signs and the
  // largest one is -128 (its sign flipped into d).
  std::vector<float> x(kQK);
  for (int e = 0; e < kQK; ++e) {
    const int s = e / 16;
    x[e] = static_cast<float>((s % 2 ? -1 : 1) * (s + 1) * ((e % 16) - 7.5));
  }
  const auto b = block_at<BlockQ6_K>(quantize(DType::kQ6_K, x), 0);
  int8_t smin = 127;
  for (int8_t s : b.scales) smin = std::min(smin, s);
  EXPECT_EQ(smin, -128);
  const std::vector<float> y = dequantize(DType::kQ6_K, quantize(DType::kQ6_K, x), kQK);
  for (int e = 0; e < kQK; ++e) EXPECT_NEAR(y[e], x[e], 0.02 * 16 * 7.5) << e;
}

}  // namespace
}  // namespace herd
