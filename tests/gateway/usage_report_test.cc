#include "gateway/usage_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace herd::gateway {
namespace {

constexpr int64_t kNow = int64_t{1'765'000'000} * 1'000'000;

int64_t time_point(std::string_view text) {
  Result<int64_t> r = parse_time_point(text, kNow);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().to_string();
  return r.ok() ? *r : -1;
}

TEST(UsageReportTest, TimePointsInEveryForm) {
  EXPECT_EQ(time_point("2026-12-01"), int64_t{1'796'083'200} * 1'000'000);
  EXPECT_EQ(time_point("2026-12-01T10:00:00Z"), (int64_t{1'796'083'200} + 36'000) * 1'000'000);
  EXPECT_EQ(time_point("1970-01-01"), 0);
  EXPECT_EQ(time_point("2024-02-29"), int64_t{1'709'164'800} * 1'000'000);
  EXPECT_EQ(time_point("1796083200"), int64_t{1'796'083'200} * 1'000'000);
  EXPECT_EQ(time_point("90m"), kNow - int64_t{5400} * 1'000'000);
  EXPECT_EQ(time_point("12h"), kNow - int64_t{43'200} * 1'000'000);
  EXPECT_EQ(time_point("7d"), kNow - int64_t{604'800} * 1'000'000);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2025-02-29", "2026-12-01T24:00:00Z",
                          "2026-12-01 10:00:00", "2026-12-01T10:00:00", "2026-1-1", "-5", "5w", "1e9", "d",
                          "99999999999999999999"}) {
    EXPECT_FALSE(parse_time_point(bad, kNow).ok()) << bad;
  }
}

TEST(UsageReportTest, Durations) {
  EXPECT_EQ(*parse_duration_s("90d"), 90 * 86400);
  EXPECT_EQ(*parse_duration_s("12h"), 12 * 3600);
  EXPECT_EQ(*parse_duration_s("30m"), 1800);
  EXPECT_EQ(*parse_duration_s("3600s"), 3600);
  for (const char* bad : {"", "90", "d", "-1d", "1.5h", "10y", "999999999999d", " 1d"}) {
    EXPECT_FALSE(parse_duration_s(bad).ok()) << bad;
  }
}

TEST(UsageReportTest, Words) {
  EXPECT_EQ(parse_usage_format("csv"), UsageFormat::kCsv);
  EXPECT_EQ(parse_usage_format("table"), UsageFormat::kTable);
  EXPECT_EQ(parse_usage_format("json"), UsageFormat::kJson);
  EXPECT_FALSE(parse_usage_format("xml"));
  EXPECT_EQ(parse_group_by("day"), UsageQuery::GroupBy::kDay);
  EXPECT_EQ(parse_group_by("key"), UsageQuery::GroupBy::kKey);
  EXPECT_FALSE(parse_group_by(""));
  EXPECT_FALSE(parse_group_by("week"));
}

std::vector<UsageTotals> two_keys() {
  return {{"1", 3, {300, 100, 60}, 1'500'000}, {"2", 1, {10, 0, 5}, 7}};
}

TEST(UsageReportTest, JsonTotalsEqualTheRowsAndKeysHaveNames) {
  const std::string text =
      render_usage(two_keys(), UsageQuery::GroupBy::kKey, UsageFormat::kJson, {{1, "team-a"}, {2, "team-b"}});
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["object"], "usage");
  EXPECT_EQ(j["group_by"], "key");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["group"], "team-a");
  EXPECT_EQ(j["data"][0]["cost"], "1.5");
  EXPECT_EQ(j["data"][1]["cost"], "0.000007");
  EXPECT_EQ(j["data"][1]["cost_micros"], 7);
  EXPECT_EQ(j["total"]["requests"], 4);
  EXPECT_EQ(j["total"]["prompt_tokens"], 310);
  EXPECT_EQ(j["total"]["cached_prompt_tokens"], 100);
  EXPECT_EQ(j["total"]["completion_tokens"], 65);
  EXPECT_EQ(j["total"]["cost_micros"], 1'500'007);
  EXPECT_EQ(j["total"]["cost"], "1.500007");
  // An id with no name (a key deleted since) stays an id.
  const nlohmann::json unnamed =
      nlohmann::json::parse(render_usage(two_keys(), UsageQuery::GroupBy::kKey, UsageFormat::kJson, {{1, "a"}}));
  EXPECT_EQ(unnamed["data"][1]["group"], "2");
}

TEST(UsageReportTest, CsvIsRfc4180WithAHeaderAndNoTotalRow) {
  std::vector<UsageTotals> rows = {{"me/tiny:q8", 2, {20, 0, 4}, 10}, {"odd,\"name\"", 1, {1, 0, 1}, 1}};
  const std::string csv = render_usage(rows, UsageQuery::GroupBy::kModel, UsageFormat::kCsv, {});
  EXPECT_EQ(csv,
            "model,requests,prompt_tokens,cached_prompt_tokens,completion_tokens,cost\r\n"
            "me/tiny:q8,2,20,0,4,0.00001\r\n"
            "\"odd,\"\"name\"\"\",1,1,0,1,0.000001\r\n");
}

TEST(UsageReportTest, TableEndsWithTheTotal) {
  const std::string table = render_usage(two_keys(), UsageQuery::GroupBy::kKey, UsageFormat::kTable, {{1, "team-a"}});
  std::istringstream in(table);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << table;
  EXPECT_EQ(lines[0].rfind("KEY", 0), 0u);
  EXPECT_EQ(lines[1].rfind("team-a", 0), 0u);
  EXPECT_EQ(lines[2].rfind("2 ", 0), 0u);
  EXPECT_EQ(lines[3].rfind("TOTAL", 0), 0u);
  EXPECT_NE(lines[3].find("1.500007"), std::string::npos);
  // Columns line up: every line is as long as the header.
  EXPECT_EQ(lines[1].size(), lines[0].size());
  EXPECT_EQ(lines[3].size(), lines[0].size());
}

TEST(UsageReportTest, InvalidUtf8InAGroupIsReplacedNotThrown) {
  const std::vector<UsageTotals> rows = {{"bad\xff\xfe", 1, {1, 0, 1}, 1}};
  const nlohmann::json j =
      nlohmann::json::parse(render_usage(rows, UsageQuery::GroupBy::kModel, UsageFormat::kJson, {}));
  EXPECT_EQ(j["data"][0]["group"], "bad\xEF\xBF\xBD\xEF\xBF\xBD");  // two U+FFFD
}

TEST(UsageReportTest, UngroupedIsOneTotal) {
  const std::vector<UsageTotals> one = {{"", 4, {310, 100, 65}, 1'500'007}};
  const nlohmann::json j = nlohmann::json::parse(render_usage(one, UsageQuery::GroupBy::kNone, UsageFormat::kJson, {}));
  EXPECT_TRUE(j["group_by"].is_null());
  EXPECT_TRUE(j["data"].empty());
  EXPECT_EQ(j["total"]["cost"], "1.500007");
  const std::string csv = render_usage(one, UsageQuery::GroupBy::kNone, UsageFormat::kCsv, {});
  EXPECT_EQ(csv, "group,requests,prompt_tokens,cached_prompt_tokens,completion_tokens,cost\r\nall,4,310,100,65,1.500007\r\n");
  const nlohmann::json empty = nlohmann::json::parse(render_usage({}, UsageQuery::GroupBy::kDay, UsageFormat::kJson, {}));
  EXPECT_EQ(empty["total"]["requests"], 0);
  EXPECT_EQ(empty["total"]["cost"], "0");
}

}  // namespace
}  // namespace herd::gateway
