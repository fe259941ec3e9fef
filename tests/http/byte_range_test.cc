#include "http/byte_range.h"

#include <gtest/gtest.h>

namespace herd::http {
namespace {

using Kind = RangeChoice::Kind;

TEST(ByteRangeTest, NoHeaderIsTheWholeBody) {
  EXPECT_EQ(choose_byte_range(std::nullopt, 100).kind, Kind::kWhole);
}

TEST(ByteRangeTest, FirstToLast) {
  const RangeChoice r = choose_byte_range("bytes=10-19", 100);
  ASSERT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.range.first, 10u);
  EXPECT_EQ(r.range.length, 10u);
  EXPECT_EQ(content_range(r.range, 100), "bytes 10-19/100");
}

TEST(ByteRangeTest, OpenEndedAndPastTheEndAreCut) {
  RangeChoice r = choose_byte_range("bytes=90-", 100);
  ASSERT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.range.first, 90u);
  EXPECT_EQ(r.range.length, 10u);
  r = choose_byte_range("bytes=90-5000", 100);
  ASSERT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.range.length, 10u);
  EXPECT_EQ(content_range(r.range, 100), "bytes 90-99/100");
}

TEST(ByteRangeTest, Suffix) {
  RangeChoice r = choose_byte_range("bytes=-5", 100);
  ASSERT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.range.first, 95u);
  EXPECT_EQ(r.range.length, 5u);
  r = choose_byte_range("bytes=-500", 100);
  ASSERT_EQ(r.kind, Kind::kPartial);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.length, 100u);
  EXPECT_EQ(choose_byte_range("bytes=-0", 100).kind, Kind::kUnsatisfiable);
}

TEST(ByteRangeTest, StartingAtOrPastTheEndIsUnsatisfiable) {
  EXPECT_EQ(choose_byte_range("bytes=100-", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(choose_byte_range("bytes=100-200", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(choose_byte_range("bytes=0-", 0).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(unsatisfiable_content_range(100), "bytes */100");
}

TEST(ByteRangeTest, WhatCannotBeReadIsIgnored) {
  for (const char* h : {"bytes=5-2", "bytes=a-b", "bytes=1-2,5-6", "items=1-2", "bytes=", "bytes=-", "bytes=+1-2",
                        "bytes=99999999999999999999999-", "bytes 1-2"}) {
    EXPECT_EQ(choose_byte_range(h, 100).kind, Kind::kWhole) << h;
  }
}

}  // namespace
}  // namespace herd::http
