#include "tensor/kquant_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant_test_util.h"
#include "tensor/kquant_blocks.h"

namespace herd {
namespace {

using testing::gaussian_row;

TEST(KQuantSearchTest, RoundToIntIsTiesToEven) {
  EXPECT_EQ(round_to_int(0.5f), 0);
  EXPECT_EQ(round_to_int(1.5f), 2);
  EXPECT_EQ(round_to_int(2.5f), 2);
  EXPECT_EQ(round_to_int(-0.5f), 0);
  EXPECT_EQ(round_to_int(-1.5f), -2);
  EXPECT_EQ(round_to_int(-2.4999f), -2);
  EXPECT_EQ(round_to_int(3.50001f), 4);
  EXPECT_EQ(round_to_int(-0.0f), 0);
}

TEST(KQuantSearchTest, RoundToIntClampsWhatIntCannotHold) {
  EXPECT_EQ(round_to_int(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(round_to_int(std::numeric_limits<float>::infinity()), 4194303);
  EXPECT_EQ(round_to_int(-std::numeric_limits<float>::infinity()), -4194303);
  EXPECT_EQ(round_to_int(1e30f), 4194303);
  EXPECT_EQ(round_to_int(4194302.0f), 4194302);
}

TEST(KQuantSearchTest, NearestLevel) {
  const int8_t* v = kIQ4Values;
  for (int i = 0; i < 16; ++i) EXPECT_EQ(nearest_level(v, v[i]), i);
  EXPECT_EQ(nearest_level(v, -1000.0f), 0);
  EXPECT_EQ(nearest_level(v, 1000.0f), 15);
  EXPECT_EQ(nearest_level(v, 0.0f), 8);   // 1 is nearer than -10
  EXPECT_EQ(nearest_level(v, -4.5f), 8);  // tie between -10 and 1: the upper one
  EXPECT_EQ(nearest_level(v, -4.6f), 7);
  EXPECT_EQ(nearest_level(v, 100.9f), 14);  // 89 .. 113: 101 is the midpoint
  EXPECT_EQ(nearest_level(v, 101.0f), 15);
  EXPECT_EQ(nearest_level(v, std::numeric_limits<float>::quiet_NaN()), 15);
  // Exhaustive against a linear scan (ties to the upper entry).
  for (float x = -130.0f; x <= 130.0f; x += 0.125f) {
    int best = 0;
    for (int i = 1; i < 16; ++i) {
      if (std::fabs(x - v[i]) <= std::fabs(x - v[best])) best = i;
    }
    EXPECT_EQ(nearest_level(v, x), best) << x;
  }
}

TEST(KQuantSearchTest, FitScaleMinRecoversGridData) {
  // x = 0.5 * L - 1.5 with L covering 0..15: the fit finds scale 0.5 and min 1.5.
  std::vector<float> x(32), w(32, 1.0f);
  for (int i = 0; i < 32; ++i) x[i] = 0.5f * static_cast<float>((i * 7) % 16) - 1.5f;
  uint8_t L[32], aux[32];
  float neg_min = 0.0f;
  const float scale =
      fit_scale_min(32, 15, x.data(), w.data(), L, &neg_min, aux, -1.0f, 0.1f, 20, false);
  EXPECT_FLOAT_EQ(scale, 0.5f);
  EXPECT_FLOAT_EQ(neg_min, 1.5f);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(L[i], (i * 7) % 16) << i;
}

TEST(KQuantSearchTest, FitScaleMinKeepsTheMinAtMostZero) {
  // All positive data: the offset is clamped to 0, so neg_min is 0.
  std::vector<float> x(16), w(16, 1.0f);
  for (int i = 0; i < 16; ++i) x[i] = 2.0f + 0.1f * i;
  uint8_t L[16], aux[16];
  float neg_min = -1.0f;
  const float scale =
      fit_scale_min(16, 3, x.data(), w.data(), L, &neg_min, aux, -0.5f, 0.1f, 15, true);
  EXPECT_EQ(neg_min, 0.0f);
  EXPECT_GT(scale, 0.0f);
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(scale * L[i], x[i], 0.6f) << i;
}

TEST(KQuantSearchTest, FitScaleMinOfConstantGroup) {
  std::vector<float> x(16, -2.0f), w(16, 1.0f);
  uint8_t L[16], aux[16];
  float neg_min = 0.0f;
  EXPECT_EQ(fit_scale_min(16, 3, x.data(), w.data(), L, &neg_min, aux, -0.5f, 0.1f, 15, true),
            0.0f);
  EXPECT_EQ(neg_min, 2.0f);
  for (uint8_t l : L) EXPECT_EQ(l, 0);
}

TEST(KQuantSearchTest, FitSymmetricRecoversGridData) {
  // x = -0.25 * (L - 32) with L - 32 in -32..31 and -32 present: scale -0.25... or the
  // same fit with the other sign convention; the product is what counts.
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = 0.25f * static_cast<float>(i * 4 - 32);
  int8_t L[16];
  const float scale = fit_symmetric(16, 32, x.data(), L);
  for (int i = 0; i < 16; ++i) EXPECT_FLOAT_EQ(scale * (L[i] - 32), x[i]) << i;
  // Zero groups.
  std::vector<float> zero(16, 0.0f);
  EXPECT_EQ(fit_symmetric(16, 32, zero.data(), L), 0.0f);
  for (int8_t l : L) EXPECT_EQ(l, 0);
  EXPECT_EQ(fit_symmetric_sweeps(16, 4, zero.data(), L), 0.0f);
}

TEST(KQuantSearchTest, SweepsNeverIncreaseTheError) {
  // The sweeps start from the plain -nmax / max grid and only accept improvements of
  // the weighted least-squares fit, so their error is at most the plain grid's.
  for (uint32_t seed = 0; seed < 50; ++seed) {
    const std::vector<float> x = gaussian_row(16, seed);
    int8_t L[16];
    const float scale = fit_symmetric_sweeps(16, 4, x.data(), L);
    float max = 0.0f;
    for (float v : x) {
      if (std::fabs(v) > std::fabs(max)) max = v;
    }
    const float iscale = -4.0f / max;
    double err_sweeps = 0, err_plain = 0, sum_lx = 0, sum_l2 = 0;
    int plain[16];
    for (int i = 0; i < 16; ++i) {
      plain[i] = std::max(-4, std::min(3, round_to_int(iscale * x[i])));
      const double w = static_cast<double>(x[i]) * x[i];
      sum_lx += w * x[i] * plain[i];
      sum_l2 += w * plain[i] * plain[i];
    }
    const double plain_scale = sum_lx / sum_l2;
    for (int i = 0; i < 16; ++i) {
      const double w = static_cast<double>(x[i]) * x[i];
      err_sweeps += w * std::pow(scale * (L[i] - 4) - x[i], 2);
      err_plain += w * std::pow(plain_scale * plain[i] - x[i], 2);
    }
    EXPECT_LE(err_sweeps, err_plain * (1 + 1e-5)) << seed;
  }
}

}  // namespace
}  // namespace herd
