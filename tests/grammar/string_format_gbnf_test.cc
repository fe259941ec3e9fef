// Formats: dates against the C++ calendar for every month and day of sample years.
#include "grammar/string_format_gbnf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using testing::compile;
using testing::matches;

std::shared_ptr<const CompiledGrammar> format_grammar(const char* format) {
  GbnfWriter writer;
  Result<std::string> rule = string_format_gbnf(format, writer);
  EXPECT_TRUE(rule.ok()) << rule.status().to_string();
  writer.define("root", *rule);
  return compile(writer.text());
}

TEST(StringFormatGbnf, DatesFollowTheCalendar) {
  auto grammar = format_grammar("date");
  for (int year : {0, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999}) {
    for (unsigned month = 0; month <= 13; ++month) {
      for (unsigned day = 0; day <= 32; ++day) {
        char text[16];
        std::snprintf(text, sizeof(text), "%04d-%02u-%02u", year, month, day);
        bool valid = std::chrono::year_month_day(std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)).ok();
        ASSERT_EQ(matches(grammar, text), valid) << text;
      }
    }
  }
  EXPECT_FALSE(matches(grammar, "20240-01-01"));
  EXPECT_FALSE(matches(grammar, "2024-1-01"));
}

TEST(StringFormatGbnf, TimesAndOthers) {
  auto time = format_grammar("time");
  EXPECT_TRUE(matches(time, "00:00:00Z"));
  EXPECT_TRUE(matches(time, "23:59:59.123456789-23:59"));
  EXPECT_FALSE(matches(time, "23:59:59.1234567890Z"));
  EXPECT_FALSE(matches(time, "23:59:59+24:00"));
  EXPECT_FALSE(matches(time, "23:59:59z"));
  auto uuid = format_grammar("uuid");
  EXPECT_TRUE(matches(uuid, "00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(matches(uuid, "00000000-0000-0000-0000-0000000000000"));
  auto email = format_grammar("email");
  EXPECT_TRUE(matches(email, "x_y!#$%.&'*+/=?^`{|}~-@a.b"));
  EXPECT_FALSE(matches(email, std::string(16, 'a') + "@a.b"));  // one atom is at most 15 characters
  GbnfWriter writer;
  EXPECT_FALSE(string_format_gbnf("hostname", writer).ok());
}

}  // namespace
}  // namespace herd::grammar
