#include "kernels/ops_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "random_vec.h"

namespace herd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- rms_norm_ref ----------------------------------------------------------

std::vector<double> rms_norm_double(const std::vector<float>& x, const float* w, double eps) {
  double ss = 0.0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double inv = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * inv * (w != nullptr ? w[i] : 1.0);
  return y;
}

TEST(RmsNormRefTest, MatchesDoubleWithAndWithoutWeights) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{64}, size_t{4096}}) {
    const std::vector<float> x = random_vec(n, 11 + static_cast<uint32_t>(n), -3.0f, 3.0f);
    const std::vector<float> w = random_vec(n, 99 + static_cast<uint32_t>(n), 0.5f, 1.5f);
    for (float eps : {1e-5f, 1e-6f}) {
      for (const float* wp : {static_cast<const float*>(nullptr), w.data()}) {
        std::vector<float> y(n, -1234.0f);
        rms_norm_ref(x.data(), wp, y.data(), static_cast<int64_t>(n), eps);
        const std::vector<double> want = rms_norm_double(x, wp, eps);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_NEAR(y[i], want[i], 2e-6 * std::fabs(want[i]) + 1e-7)
              << "n " << n << " i " << i << " weighted " << (wp != nullptr);
        }
      }
    }
  }
}

TEST(RmsNormRefTest, KnownValues) {
  // mean(3^2, 4^2) = 12.5, so y = x / sqrt(12.5).
  const float x[2] = {3.0f, 4.0f};
  float y[2];
  rms_norm_ref(x, nullptr, y, 2, 0.0f);
  EXPECT_NEAR(y[0], 3.0 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(y[1], 4.0 / std::sqrt(12.5), 1e-6);
  const float w[2] = {2.0f, -0.5f};
  rms_norm_ref(x, w, y, 2, 0.0f);
  EXPECT_NEAR(y[0], 2.0 * 3.0 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(y[1], -0.5 * 4.0 / std::sqrt(12.5), 1e-6);
}

TEST(RmsNormRefTest, OutputHasUnitRms) {
  const std::vector<float> x = random_vec(1000, 5, -100.0f, 100.0f);
  std::vector<float> y(x.size());
  rms_norm_ref(x.data(), nullptr, y.data(), static_cast<int64_t>(x.size()), 1e-6f);
  double ss = 0.0;
  for (float v : y) ss += static_cast<double>(v) * v;
  EXPECT_NEAR(ss / static_cast<double>(y.size()), 1.0, 1e-5);
}

TEST(RmsNormRefTest, EpsMatters) {
  // With tiny inputs eps dominates: y ~= x / sqrt(eps).
  const float x[4] = {1e-4f, -1e-4f, 2e-4f, 0.0f};
  float y[4];
  rms_norm_ref(x, nullptr, y, 4, 1.0f);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i], 1e-9);
  const float zeros[3] = {0.0f, 0.0f, 0.0f};
  rms_norm_ref(zeros, nullptr, y, 3, 1e-5f);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(y[i], 0.0f);  // no NaN from 0/0
}

TEST(RmsNormRefTest, LargeValuesDoNotOverflow) {
  // x^2 overflows float (1e30^2 > FLT_MAX) but the sum is taken in double.
  const float x[3] = {1e30f, -1e30f, 1e30f};
  float y[3];
  rms_norm_ref(x, nullptr, y, 3, 1e-5f);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::isfinite(y[i]));
    EXPECT_NEAR(std::fabs(y[i]), 1.0, 1e-6);
  }
}

// ---- softmax_ref -----------------------------------------------------------

TEST(SoftmaxRefTest, MatchesExpFormulaAndSumsToOne) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{5}, size_t{333}}) {
    std::vector<float> x = random_vec(n, 7 + static_cast<uint32_t>(n), -8.0f, 8.0f);
    double denom = 0.0;
    for (float v : x) denom += std::exp(static_cast<double>(v));
    std::vector<double> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = std::exp(static_cast<double>(x[i])) / denom;
    softmax_ref(x.data(), static_cast<int64_t>(n));
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(x[i], want[i], 1e-6 * want[i] + 1e-9) << "n " << n << " i " << i;
      sum += x[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(SoftmaxRefTest, KnownValues) {
  float x[3] = {0.0f, std::log(2.0f), std::log(5.0f)};  // weights 1 : 2 : 5
  softmax_ref(x, 3);
  EXPECT_NEAR(x[0], 1.0 / 8.0, 1e-7);
  EXPECT_NEAR(x[1], 2.0 / 8.0, 1e-7);
  EXPECT_NEAR(x[2], 5.0 / 8.0, 1e-7);
  float one[1] = {-42.0f};
  softmax_ref(one, 1);
  EXPECT_FLOAT_EQ(one[0], 1.0f);
}

TEST(SoftmaxRefTest, NegativeInfinityGetsZero) {
  float x[5] = {-kInf, 1.0f, -kInf, 1.0f, -kInf};
  softmax_ref(x, 5);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(x[4], 0.0f);
  EXPECT_FLOAT_EQ(x[1], 0.5f);
  EXPECT_FLOAT_EQ(x[3], 0.5f);
}

TEST(SoftmaxRefTest, AllNegativeInfinityGivesZerosNotNan) {
  float x[4] = {-kInf, -kInf, -kInf, -kInf};
  softmax_ref(x, 4);
  for (float v : x) EXPECT_EQ(v, 0.0f);
}

TEST(SoftmaxRefTest, LargeValuesDoNotOverflow) {
  // exp(1000) overflows float and double; the max is subtracted first.
  float x[3] = {1000.0f, 1000.0f, 999.0f};
  softmax_ref(x, 3);
  const double e = std::exp(-1.0);
  for (float v : x) ASSERT_TRUE(std::isfinite(v));
  EXPECT_NEAR(x[0], 1.0 / (2.0 + e), 1e-6);
  EXPECT_NEAR(x[1], 1.0 / (2.0 + e), 1e-6);
  EXPECT_NEAR(x[2], e / (2.0 + e), 1e-6);

  float huge[2] = {3e38f, -3e38f};
  softmax_ref(huge, 2);
  EXPECT_EQ(huge[0], 1.0f);
  EXPECT_EQ(huge[1], 0.0f);
}

TEST(SoftmaxRefTest, ShiftInvariant) {
  std::vector<float> a = random_vec(50, 3, -5.0f, 5.0f);
  std::vector<float> b = a;
  for (float& v : b) v += 300.0f;
  softmax_ref(a.data(), 50);
  softmax_ref(b.data(), 50);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4 * a[i] + 1e-7);
}

// ---- swiglu_ref ------------------------------------------------------------

TEST(SwigluRefTest, KnownValues) {
  const float gate[5] = {0.0f, 1.0f, -1.0f, 2.0f, 10.0f};
  const float up[5] = {3.0f, 2.0f, 2.0f, -1.0f, 0.5f};
  float out[5];
  swiglu_ref(gate, up, out, 5);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 2.0 * 1.0 / (1.0 + std::exp(-1.0)), 1e-6);   // 1.4621172
  EXPECT_NEAR(out[2], 2.0 * -1.0 / (1.0 + std::exp(1.0)), 1e-6);   // -0.5378828
  EXPECT_NEAR(out[3], -1.0 * 2.0 / (1.0 + std::exp(-2.0)), 1e-6);  // -1.7615942
  EXPECT_NEAR(out[4], 0.5 * 10.0 / (1.0 + std::exp(-10.0)), 1e-6);
  EXPECT_NEAR(out[1], 1.4621172f, 1e-6);
}

TEST(SwigluRefTest, MatchesDoubleAndSaturates) {
  const std::vector<float> gate = random_vec(257, 21, -20.0f, 20.0f);
  const std::vector<float> up = random_vec(257, 22, -3.0f, 3.0f);
  std::vector<float> out(gate.size());
  swiglu_ref(gate.data(), up.data(), out.data(), static_cast<int64_t>(gate.size()));
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i];
    const double want = g / (1.0 + std::exp(-g)) * up[i];
    ASSERT_NEAR(out[i], want, 1e-5 * std::fabs(want) + 1e-6) << i;
  }
  // Far negative gates give (signed) zero, not NaN; far positive gates pass through.
  const float g2[2] = {-1000.0f, 1000.0f};
  const float u2[2] = {5.0f, 0.25f};
  float o2[2];
  swiglu_ref(g2, u2, o2, 2);
  EXPECT_EQ(o2[0], 0.0f);
  EXPECT_FLOAT_EQ(o2[1], 250.0f);
}

// ---- rope_cos_sin ----------------------------------------------------------

TEST(RopeCosSinTest, MatchesDoubleAngles) {
  std::vector<float> factors(64);
  for (size_t i = 0; i < factors.size(); ++i) factors[i] = 1.0f + 0.25f * static_cast<float>(i % 5);
  for (int n_rot : {2, 8, 64, 128}) {
    for (double base : {10000.0, 500000.0, 1e6}) {
      for (double scale : {1.0, 4.0}) {
        for (const float* ff : {static_cast<const float*>(nullptr), static_cast<const float*>(factors.data())}) {
          for (int64_t pos : {int64_t{0}, int64_t{1}, int64_t{17}, int64_t{4095}, int64_t{131071}}) {
            std::vector<float> cs(static_cast<size_t>(n_rot), 7.0f);
            rope_cos_sin(pos, n_rot, base, scale, ff, cs.data());
            for (int i = 0; i < n_rot / 2; ++i) {
              double angle = static_cast<double>(pos) * std::pow(base, -2.0 * i / n_rot);
              if (ff != nullptr) angle /= ff[i];
              angle /= scale;
              ASSERT_NEAR(cs[2 * i], std::cos(angle), 1e-6)
                  << "n_rot " << n_rot << " base " << base << " scale " << scale << " pos " << pos << " i " << i;
              ASSERT_NEAR(cs[2 * i + 1], std::sin(angle), 1e-6)
                  << "n_rot " << n_rot << " base " << base << " scale " << scale << " pos " << pos << " i " << i;
            }
          }
        }
      }
    }
  }
}

TEST(RopeCosSinTest, FirstPairTurnsByPosition) {
  // i = 0: angle = pos / scale whatever the base.
  float cs[4];
  rope_cos_sin(3, 4, 10000.0, 1.0, nullptr, cs);
  EXPECT_NEAR(cs[0], std::cos(3.0), 1e-7);
  EXPECT_NEAR(cs[1], std::sin(3.0), 1e-7);
  EXPECT_NEAR(cs[2], std::cos(3.0 / 100.0), 1e-7);  // 10000^(-2/4) = 1/100
  EXPECT_NEAR(cs[3], std::sin(3.0 / 100.0), 1e-7);
  rope_cos_sin(3, 4, 10000.0, 2.0, nullptr, cs);
  EXPECT_NEAR(cs[0], std::cos(1.5), 1e-7);
  const float ff[2] = {3.0f, 1.0f};
  rope_cos_sin(3, 4, 10000.0, 1.0, ff, cs);
  EXPECT_NEAR(cs[0], std::cos(1.0), 1e-7);
  EXPECT_NEAR(cs[1], std::sin(1.0), 1e-7);
}

TEST(RopeCosSinTest, PositionZeroIsIdentityRotation) {
  float cs[16];
  rope_cos_sin(0, 16, 10000.0, 1.0, nullptr, cs);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(cs[2 * i], 1.0f);
    EXPECT_EQ(cs[2 * i + 1], 0.0f);
  }
}

// ---- rope_apply_ref --------------------------------------------------------

// Index of the two dims that pair i rotates.
void pair_dims(RopeStyle style, int n_rot, int i, int* a, int* b) {
  if (style == RopeStyle::kAdjacentPairs) {
    *a = 2 * i;
    *b = 2 * i + 1;
  } else {
    *a = i;
    *b = i + n_rot / 2;
  }
}

class RopeApplyTest : public ::testing::TestWithParam<RopeStyle> {};

TEST_P(RopeApplyTest, RotatesTheStyledPairsAndLeavesTheRest) {
  const RopeStyle style = GetParam();
  const int head_dim = 24;
  const int n_rot = 16;
  const std::vector<float> x0 = random_vec(head_dim, 41, -2.0f, 2.0f);
  std::vector<float> cs(n_rot);
  for (int i = 0; i < n_rot / 2; ++i) {
    const double angle = 0.37 * (i + 1);
    cs[2 * i] = static_cast<float>(std::cos(angle));
    cs[2 * i + 1] = static_cast<float>(std::sin(angle));
  }
  std::vector<float> x = x0;
  rope_apply_ref(x.data(), n_rot, cs.data(), style);
  for (int i = 0; i < n_rot / 2; ++i) {
    int a, b;
    pair_dims(style, n_rot, i, &a, &b);
    const double c = cs[2 * i], s = cs[2 * i + 1];
    EXPECT_NEAR(x[a], x0[a] * c - x0[b] * s, 1e-6) << "pair " << i;
    EXPECT_NEAR(x[b], x0[a] * s + x0[b] * c, 1e-6) << "pair " << i;
    // Rotation keeps each pair's length.
    EXPECT_NEAR(std::hypot(x[a], x[b]), std::hypot(x0[a], x0[b]), 1e-6) << "pair " << i;
  }
  for (int d = n_rot; d < head_dim; ++d) EXPECT_EQ(x[d], x0[d]) << "dim " << d;
}

TEST_P(RopeApplyTest, QuarterTurnMovesUnitVectors) {
  const RopeStyle style = GetParam();
  const int n_rot = 8;
  std::vector<float> cs(n_rot);
  for (int i = 0; i < n_rot / 2; ++i) {
    cs[2 * i] = 0.0f;  // 90 degrees for every pair
    cs[2 * i + 1] = 1.0f;
  }
  for (int i = 0; i < n_rot / 2; ++i) {
    int a, b;
    pair_dims(style, n_rot, i, &a, &b);
    std::vector<float> x(n_rot, 0.0f);
    x[a] = 1.0f;  // (1, 0) -> (0, 1)
    rope_apply_ref(x.data(), n_rot, cs.data(), style);
    for (int d = 0; d < n_rot; ++d) EXPECT_EQ(x[d], d == b ? 1.0f : 0.0f) << "pair " << i << " dim " << d;
  }
}

TEST_P(RopeApplyTest, PositionZeroIsIdentity) {
  const RopeStyle style = GetParam();
  const int n_rot = 64;
  std::vector<float> cs(n_rot);
  rope_cos_sin(0, n_rot, 10000.0, 1.0, nullptr, cs.data());
  const std::vector<float> x0 = random_vec(128, 77, -2.0f, 2.0f);
  std::vector<float> x = x0;
  rope_apply_ref(x.data(), n_rot, cs.data(), style);
  EXPECT_EQ(x, x0);
}

TEST_P(RopeApplyTest, PreservesNormAndComposesAcrossPositions) {
  const RopeStyle style = GetParam();
  const int n_rot = 32;
  const std::vector<float> x0 = random_vec(n_rot, 5, -2.0f, 2.0f);
  std::vector<float> cs5(n_rot), cs7(n_rot), cs12(n_rot);
  rope_cos_sin(5, n_rot, 10000.0, 1.0, nullptr, cs5.data());
  rope_cos_sin(7, n_rot, 10000.0, 1.0, nullptr, cs7.data());
  rope_cos_sin(12, n_rot, 10000.0, 1.0, nullptr, cs12.data());
  std::vector<float> twice = x0;
  rope_apply_ref(twice.data(), n_rot, cs5.data(), style);
  rope_apply_ref(twice.data(), n_rot, cs7.data(), style);
  std::vector<float> once = x0;
  rope_apply_ref(once.data(), n_rot, cs12.data(), style);
  double n0 = 0.0, n1 = 0.0;
  for (int d = 0; d < n_rot; ++d) {
    EXPECT_NEAR(twice[d], once[d], 1e-5) << "dim " << d;
    n0 += static_cast<double>(x0[d]) * x0[d];
    n1 += static_cast<double>(once[d]) * once[d];
  }
  EXPECT_NEAR(n1, n0, 1e-5 * n0);
}

TEST_P(RopeApplyTest, DotProductDependsOnlyOnRelativePosition) {
  // The property attention relies on: <rope(q, m), rope(k, n)> depends on m - n.
  const RopeStyle style = GetParam();
  const int n_rot = 16;
  const std::vector<float> q0 = random_vec(n_rot, 8, -2.0f, 2.0f);
  const std::vector<float> k0 = random_vec(n_rot, 9, -2.0f, 2.0f);
  auto rotated_dot = [&](int64_t m, int64_t n) {
    std::vector<float> q = q0, k = k0, cs(n_rot);
    rope_cos_sin(m, n_rot, 10000.0, 1.0, nullptr, cs.data());
    rope_apply_ref(q.data(), n_rot, cs.data(), style);
    rope_cos_sin(n, n_rot, 10000.0, 1.0, nullptr, cs.data());
    rope_apply_ref(k.data(), n_rot, cs.data(), style);
    double dot = 0.0;
    for (int d = 0; d < n_rot; ++d) dot += static_cast<double>(q[d]) * k[d];
    return dot;
  };
  const double d1 = rotated_dot(3, 1);
  const double d2 = rotated_dot(10, 8);
  const double d3 = rotated_dot(1002, 1000);
  EXPECT_NEAR(d1, d2, 1e-4);
  EXPECT_NEAR(d1, d3, 1e-4);
  EXPECT_GT(std::fabs(d1 - rotated_dot(3, 2)), 1e-3);  // a different offset differs
}

INSTANTIATE_TEST_SUITE_P(Styles, RopeApplyTest,
                         ::testing::Values(RopeStyle::kAdjacentPairs, RopeStyle::kNeox),
                         [](const ::testing::TestParamInfo<RopeStyle>& info) {
                           return info.param == RopeStyle::kAdjacentPairs ? std::string("Adjacent")
                                                                          : std::string("Neox");
                         });

TEST(RopeApplyStylesTest, StylesDifferOnTheSameInput) {
  const int n_rot = 8;
  std::vector<float> cs(n_rot);
  rope_cos_sin(9, n_rot, 10000.0, 1.0, nullptr, cs.data());
  std::vector<float> a = random_vec(n_rot, 12, -2.0f, 2.0f);
  std::vector<float> b = a;
  rope_apply_ref(a.data(), n_rot, cs.data(), RopeStyle::kAdjacentPairs);
  rope_apply_ref(b.data(), n_rot, cs.data(), RopeStyle::kNeox);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace herd
