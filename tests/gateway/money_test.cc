#include "gateway/money.h"

#include <gtest/gtest.h>

#include <limits>

namespace herd::gateway {
namespace {

Micros amount(std::string_view text) {
  Result<Micros> r = parse_amount(text, "--budget");
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().to_string();
  return r.ok() ? *r : -1;
}

TEST(MoneyTest, ParsesDecimalTextExactly) {
  EXPECT_EQ(amount("12"), 12'000'000);
  EXPECT_EQ(amount("0.15"), 150'000);
  EXPECT_EQ(amount("1.000001"), 1'000'001);
  EXPECT_EQ(amount("0.000001"), 1);
  EXPECT_EQ(amount("0"), 0);
  EXPECT_EQ(amount("007.5"), 7'500'000);
  EXPECT_EQ(amount("1000000000000"), kMaxAmountMicros);
  // 0.1 + 0.2 in floats is 0.30000000000000004; here the parts add exactly.
  EXPECT_EQ(amount("0.1") + amount("0.2"), amount("0.3"));
}

TEST(MoneyTest, RefusesAnythingButPlainDecimals) {
  for (const char* bad : {"", "-1", "+1", "1e3", " 1", "1 ", "1.", ".5", "1.0000001", "1,5", "0x10", "1..2",
                          "1000000000000.000001", "99999999999999999999999", "NaN", "inf"}) {
    Result<Micros> r = parse_amount(bad, "--budget");
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--budget"), std::string::npos) << r.status().message();
  }
}

TEST(MoneyTest, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(format_amount(150'000), "0.15");
  EXPECT_EQ(format_amount(12'000'000), "12");
  EXPECT_EQ(format_amount(1), "0.000001");
  EXPECT_EQ(format_amount(0), "0");
  EXPECT_EQ(format_amount(-2'500'000), "-2.5");
  EXPECT_EQ(format_amount(std::numeric_limits<Micros>::min()), "-9223372036854.775808");
  for (const char* text : {"0.15", "12", "1.000001", "123456.7"}) EXPECT_EQ(format_amount(amount(text)), text);
}

TEST(MoneyTest, CostIsExactAndRoundsUpOncePerRequest) {
  const Price price{150'000, 75'000, 600'000};  // 0.15 / 0.075 / 0.6 per 1M tokens
  // 800 uncached * 0.15 + 200 cached * 0.075 + 500 * 0.6, per million: exactly 435 micros.
  EXPECT_EQ(cost_of({1000, 200, 500}, price), 435);
  // One input token costs 0.15 micros: rounded up to a whole micro, never down to free.
  EXPECT_EQ(cost_of({1, 0, 0}, price), 1);
  // Rounding applies to the request's sum, not to each part: 0.15 + 0.075 + 0.6 = 0.825 -> 1.
  EXPECT_EQ(cost_of({2, 1, 1}, price), 1);
  EXPECT_EQ(cost_of({0, 0, 0}, price), 0);
  EXPECT_EQ(cost_of({1000, 200, 500}, Price{}), 0);
}

TEST(MoneyTest, CachedTokensNeverCountTwiceOrBelowZero) {
  const Price price{1'000'000, 500'000, 2'000'000};
  EXPECT_EQ(cost_of({10, 10, 0}, price), 5);
  // More cached than prompt tokens (a bad count) bills the prompt at the cached rate.
  EXPECT_EQ(cost_of({10, 50, 0}, price), 5);
  EXPECT_EQ(cost_of({-5, 0, -3}, price), 0);
}

TEST(MoneyTest, LargeCostsStayExactThenSaturate) {
  const Price top{kMaxAmountMicros, kMaxAmountMicros, kMaxAmountMicros};
  // 1M tokens at the largest price is exactly that price: 10^18 micros, no overflow on the way.
  EXPECT_EQ(cost_of({1'000'000, 0, 0}, top), kMaxAmountMicros);
  EXPECT_EQ(cost_of({std::numeric_limits<int64_t>::max(), 0, std::numeric_limits<int64_t>::max()}, top),
            std::numeric_limits<Micros>::max());
}

}  // namespace
}  // namespace herd::gateway
