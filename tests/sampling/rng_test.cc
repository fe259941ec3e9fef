#include "sampling/rng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace herd {
namespace {

TEST(RngTest, SplitMix64MatchesPublishedSequenceForSeedZero) {
  // The widely published first outputs of SplitMix64 started from state 0.
  uint64_t state = 0;
  EXPECT_EQ(splitmix64_next(state), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64_next(state), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(splitmix64_next(state), 0x06c45d188009454full);
}

TEST(RngTest, SameSeedSameStream) {
  Xoshiro256ss a(1234), b(1234);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next(), b.next()) << i;
}

TEST(RngTest, DifferentSeedsDiffer) {
  Xoshiro256ss a(1), b(2);
  int equal = 0;
  for (int i = 0; i < 1000; ++i) equal += a.next() == b.next();
  EXPECT_EQ(equal, 0);
}

TEST(RngTest, ReseedRestartsTheStream) {
  Xoshiro256ss a(99);
  std::vector<uint64_t> first;
  for (int i = 0; i < 16; ++i) first.push_back(a.next());
  a.reseed(99);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(a.next(), first[static_cast<size_t>(i)]);
}

TEST(RngTest, GoldenOutputsPinTheStreamAcrossPlatforms) {
  // Recorded from this implementation; a change here changes every seeded
  // generation herd has ever produced, so it must be deliberate.
  Xoshiro256ss r(0);
  const uint64_t a = r.next(), b = r.next(), c = r.next();
  EXPECT_EQ(a, 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(b, 0xbf6e1f784956452aull);
  EXPECT_EQ(c, 0x1a5f849d4933e6e0ull);
}

TEST(RngTest, NextDoubleIsTopBitsScaled) {
  Xoshiro256ss a(7), b(7);
  for (int i = 0; i < 100; ++i) {
    const uint64_t bits = a.next();
    EXPECT_EQ(b.next_double(), static_cast<double>(bits >> 11) / 9007199254740992.0);
  }
}

TEST(RngTest, NextDoubleIsUniformOnZeroOne) {
  Xoshiro256ss r(42);
  constexpr int kN = 200000;
  constexpr int kBins = 10;
  int bins[kBins] = {};
  double sum = 0.0;
  for (int i = 0; i < kN; ++i) {
    const double u = r.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ++bins[static_cast<int>(u * kBins)];
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.005);
  // Chi-square, 9 degrees of freedom: 27.88 is the 0.1% critical value.
  double chi2 = 0.0;
  const double expected = static_cast<double>(kN) / kBins;
  for (int b : bins) chi2 += (b - expected) * (b - expected) / expected;
  EXPECT_LT(chi2, 27.88);
}

}  // namespace
}  // namespace herd
