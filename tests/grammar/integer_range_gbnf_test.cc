// Decimal ranges: every integer in a window is accepted exactly when it is in the range.
#include "grammar/integer_range_gbnf.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "grammar/number_range_gbnf.h"
#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using testing::compile;
using testing::matches;

TEST(IntegerRangeGbnf, EveryValueInAWindow) {
  const int64_t kRanges[][2] = {{0, 0}, {0, 9}, {1, 1}, {5, 123}, {10, 99}, {-300, 300}, {-120, -7}, {-1, 0},
                                {19, 21}, {100, 199}, {99, 1000}, {7, 7}, {-9, -1}, {250, 251}};
  for (const auto& r : kRanges) {
    auto grammar = compile("root ::= " + integer_range_gbnf(r[0], r[1]));
    for (int64_t v = -1100; v <= 1100; ++v) {
      bool in = v >= r[0] && v <= r[1];
      ASSERT_EQ(matches(grammar, std::to_string(v)), in) << "[" << r[0] << ", " << r[1] << "] value " << v;
    }
    EXPECT_FALSE(matches(grammar, "-0"));
    EXPECT_FALSE(matches(grammar, "007"));
    EXPECT_FALSE(matches(grammar, ""));
  }
}

TEST(IntegerRangeGbnf, Int64Edges) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto all = compile("root ::= " + integer_range_gbnf(kMin, kMax));
  EXPECT_TRUE(matches(all, "-9223372036854775808"));
  EXPECT_TRUE(matches(all, "9223372036854775807"));
  EXPECT_TRUE(matches(all, "0"));
  EXPECT_FALSE(matches(all, "9223372036854775808"));
  EXPECT_FALSE(matches(all, "-9223372036854775809"));
  EXPECT_FALSE(matches(all, "10000000000000000000"));
  auto big = compile("root ::= " + integer_range_gbnf(1000000000000, 1000000000123));
  EXPECT_TRUE(matches(big, "1000000000077"));
  EXPECT_FALSE(matches(big, "1000000000124"));
  EXPECT_FALSE(matches(big, "999999999999"));
  auto wide = compile("root ::= " + unsigned_range_gbnf(0, std::numeric_limits<uint64_t>::max()));
  EXPECT_TRUE(matches(wide, "18446744073709551615"));
  EXPECT_FALSE(matches(wide, "18446744073709551616"));
}

// x in [lo, hi] with exclusive ends, for decimals with up to two fraction digits.
TEST(NumberRangeGbnf, EveryHundredthInAWindow) {
  struct R {
    NumberBound lo, hi;
  };
  const R kRanges[] = {
      {{true, 0, false}, {true, 1, false}},  {{true, 0, true}, {true, 1, true}},   {{true, -2, false}, {true, 3, true}},
      {{true, -3, true}, {true, -1, false}}, {{false}, {true, 0, true}},           {{true, 2, true}, {false}},
      {{true, -1, false}, {true, -1, false}}, {{true, 0, false}, {true, 0, false}}, {{false}, {true, -2, false}},
  };
  for (const R& r : kRanges) {
    std::string range = number_range_gbnf(r.lo, r.hi);
    ASSERT_FALSE(range.empty());
    auto grammar = compile("root ::= " + range);
    for (int64_t k = -500; k <= 500; ++k) {  // x = k / 100
      bool above = !r.lo.present || (r.lo.exclusive ? k > 100 * r.lo.value : k >= 100 * r.lo.value);
      bool below = !r.hi.present || (r.hi.exclusive ? k < 100 * r.hi.value : k <= 100 * r.hi.value);
      int64_t mag = k < 0 ? -k : k;
      std::string text = (k < 0 ? "-" : "") + std::to_string(mag / 100);
      std::string frac = std::to_string(mag % 100 + 100).substr(1);
      std::string with_frac = text + "." + frac;
      ASSERT_EQ(matches(grammar, with_frac), above && below) << range << " " << with_frac;
      if (mag % 100 == 0 && k != 0) {
        ASSERT_EQ(matches(grammar, text), above && below) << range << " " << text;
      }
    }
  }
  EXPECT_EQ(number_range_gbnf({true, 1, true}, {true, 1, false}), "");
}

}  // namespace
}  // namespace herd::grammar
