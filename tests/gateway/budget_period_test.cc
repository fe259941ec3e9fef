// Calendar periods and labels in UTC. Expected unix times come from `date -u -d DATE +%s`.
#include <gtest/gtest.h>

#include "gateway/civil_date.h"
#include "gateway/gateway_db.h"

namespace herd::gateway {
namespace {

TEST(BudgetPeriod, NamesParseBack) {
  for (BudgetPeriod p : {BudgetPeriod::kNone, BudgetPeriod::kDay, BudgetPeriod::kMonth}) {
    EXPECT_EQ(parse_budget_period(budget_period_name(p)), p);
  }
  EXPECT_EQ(parse_budget_period("week"), std::nullopt);
  EXPECT_EQ(parse_budget_period("Day"), std::nullopt);
  EXPECT_EQ(parse_budget_period(""), std::nullopt);
}

TEST(BudgetPeriod, DayStartsAtUtcMidnight) {
  const int64_t dec7 = 1796601600;  // 2026-12-07T00:00:00Z
  EXPECT_EQ(period_start(BudgetPeriod::kDay, 1796651110), dec7);  // 13:45:10 that day
  EXPECT_EQ(period_start(BudgetPeriod::kDay, dec7), dec7);
  EXPECT_EQ(period_start(BudgetPeriod::kDay, dec7 - 1), dec7 - 86400);
  EXPECT_EQ(period_start(BudgetPeriod::kDay, -1), -86400);  // 1969-12-31
}

TEST(BudgetPeriod, MonthStartsOnTheFirst) {
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 1796651110), 1796083200);  // 2026-12-01
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 1796083200), 1796083200);
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 1796083199), 1796083200 - 30 * 86400);  // 2026-11-01
  // Leap days: 2024-02-29 and 2000-02-29 belong to February; 2000-03-01 starts March.
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 1709164800 + 3600), 1709164800 - 28 * 86400);
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 951782400), 951782400 - 28 * 86400);
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 951868800 + 5), 951868800);
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 4107542400), 4107542400);  // 2100-03-01 (2100: no leap day)
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 4107542400 - 1), 4107542400 - 28 * 86400);
  EXPECT_EQ(period_start(BudgetPeriod::kMonth, 0), 0);
}

TEST(BudgetPeriod, NoneIsZero) { EXPECT_EQ(period_start(BudgetPeriod::kNone, 1796651110), 0); }

TEST(CivilDate, LabelsDaysAndHours) {
  EXPECT_EQ(format_day(0), "1970-01-01");
  EXPECT_EQ(format_day(1796601600 / 86400), "2026-12-07");
  EXPECT_EQ(format_day(1709164800 / 86400), "2024-02-29");
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(format_hour(1796651110 / 3600), "2026-12-07T13");
  EXPECT_EQ(format_hour(0), "1970-01-01T00");
}

TEST(CivilDate, RoundTripsEveryDayOfFourCenturies) {
  for (int64_t d = -146097; d < 2 * 146097; ++d) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c), d);
    ASSERT_GE(c.day, 1);
    ASSERT_LE(c.day, 31);
    if (d > -146097) {  // consecutive days: the next day or the first of the next month
      const CivilDate prev = civil_from_days(d - 1);
      ASSERT_TRUE(c.day == prev.day + 1 || (c.day == 1 && (c.month == prev.month % 12 + 1)));
    }
  }
}

TEST(KeyName, AllowedCharactersAndLength) {
  EXPECT_TRUE(validate_key_name("team-a.prod_1").ok());
  EXPECT_TRUE(validate_key_name(std::string(64, 'x')).ok());
  EXPECT_EQ(validate_key_name("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(validate_key_name(std::string(65, 'x')).code(), StatusCode::kInvalidArgument);
  for (const char* bad : {"a b", "a/b", "ä", "a,b", "a\n", "a'b"}) {
    EXPECT_EQ(validate_key_name(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace herd::gateway
