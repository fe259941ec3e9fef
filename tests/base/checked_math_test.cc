#include "base/checked_math.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace herd {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t k2_63 = uint64_t{1} << 63;
constexpr uint64_t k2_32 = uint64_t{1} << 32;

TEST(CheckedMathTest, AddFitsUpToTheLastValue) {
  EXPECT_EQ(checked_add(0, 0), 0u);
  EXPECT_EQ(checked_add(2, 3), 5u);
  EXPECT_EQ(checked_add(kMax, 0), kMax);
  EXPECT_EQ(checked_add(0, kMax), kMax);
  EXPECT_EQ(checked_add(kMax - 1, 1), kMax);
  EXPECT_EQ(checked_add(k2_63, k2_63 - 1), kMax);
}

TEST(CheckedMathTest, AddOverflowsAt2To64) {
  EXPECT_FALSE(checked_add(kMax, 1).has_value());
  EXPECT_FALSE(checked_add(1, kMax).has_value());
  EXPECT_FALSE(checked_add(k2_63, k2_63).has_value());
  EXPECT_FALSE(checked_add(kMax, kMax).has_value());
}

TEST(CheckedMathTest, MulFitsUpToTheLastValue) {
  EXPECT_EQ(checked_mul(0, kMax), 0u);
  EXPECT_EQ(checked_mul(kMax, 0), 0u);
  EXPECT_EQ(checked_mul(kMax, 1), kMax);
  EXPECT_EQ(checked_mul(6, 7), 42u);
  EXPECT_EQ(checked_mul(k2_32, k2_32 - 1), (k2_32 - 1) << 32);
  EXPECT_EQ(checked_mul(k2_63, 1), k2_63);
  // (2^32 + 1) * (2^32 - 1) = 2^64 - 1.
  EXPECT_EQ(checked_mul(k2_32 + 1, k2_32 - 1), kMax);
}

TEST(CheckedMathTest, MulOverflowsAt2To64) {
  EXPECT_FALSE(checked_mul(k2_32, k2_32).has_value());
  EXPECT_FALSE(checked_mul(k2_63, 2).has_value());
  EXPECT_FALSE(checked_mul(kMax, 2).has_value());
  EXPECT_FALSE(checked_mul(k2_32 + 1, k2_32).has_value());
}

TEST(CheckedMathTest, AlignUp) {
  EXPECT_EQ(checked_align_up(0, 32), 0u);
  EXPECT_EQ(checked_align_up(1, 32), 32u);
  EXPECT_EQ(checked_align_up(31, 32), 32u);
  EXPECT_EQ(checked_align_up(32, 32), 32u);
  EXPECT_EQ(checked_align_up(33, 32), 64u);
  EXPECT_EQ(checked_align_up(10, 3), 12u);
  EXPECT_EQ(checked_align_up(kMax, 1), kMax);
}

TEST(CheckedMathTest, AlignUpAtTheTopOfTheRange) {
  const uint64_t top32 = kMax - 31;  // 2^64 - 32: the last multiple of 32
  EXPECT_EQ(checked_align_up(top32, 32), top32);
  EXPECT_EQ(checked_align_up(top32 - 1, 32), top32);
  EXPECT_EQ(checked_align_up(top32 - 31, 32), top32);
  EXPECT_FALSE(checked_align_up(top32 + 1, 32).has_value());
  EXPECT_FALSE(checked_align_up(kMax, 32).has_value());
  EXPECT_FALSE(checked_align_up(kMax, 2).has_value());
  EXPECT_EQ(checked_align_up(kMax - 1, 2), kMax - 1);
  EXPECT_EQ(checked_align_up(k2_63 + 1, k2_63), std::nullopt);
  EXPECT_EQ(checked_align_up(k2_63 - 1, k2_63), k2_63);
}

}  // namespace
}  // namespace herd
