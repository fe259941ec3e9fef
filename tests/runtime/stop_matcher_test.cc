#include "runtime/stop_matcher.h"

#include <gtest/gtest.h>

namespace herd {
namespace {

std::string feed(StopMatcher& m, const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) out += m.push(p);
  return out + m.flush();
}

TEST(StopMatcherTest, NoStopsPassesEverythingThrough) {
  StopMatcher m({});
  EXPECT_EQ(m.push("abc"), "abc");
  EXPECT_EQ(m.push(""), "");
  EXPECT_EQ(m.flush(), "");
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcherTest, EmptyStopStringsAreIgnored) {
  StopMatcher m({"", ""});
  EXPECT_EQ(feed(m, {"a", "b"}), "ab");
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcherTest, CutsBeforeAStopSpanningPieces) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.push("hello E"), "hello ");  // "E" may start END
  EXPECT_EQ(m.push("N"), "");
  EXPECT_EQ(m.push("D and more"), "");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.push("later"), "");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcherTest, AFalseStartIsReleased) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.push("EN"), "");
  EXPECT_EQ(m.push("x"), "ENx");
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.push("E"), "");
  EXPECT_EQ(m.flush(), "E");
}

TEST(StopMatcherTest, TheEarliestOfSeveralStopsWins) {
  StopMatcher m({"cd", "bcde"});
  EXPECT_EQ(feed(m, {"ab", "cdef"}), "a");  // "bcde" starts before "cd"
  EXPECT_TRUE(m.stopped());
  StopMatcher n({"xyz", "b"});
  EXPECT_EQ(feed(n, {"axy", "b"}), "axy");
}

TEST(StopMatcherTest, OverlappingPrefixKeepsTheLongestPossibleStart) {
  StopMatcher m({"aab"});
  EXPECT_EQ(m.push("xaa"), "x");
  EXPECT_EQ(m.push("a"), "a");  // "aaa": only the last "aa" can still start the stop
  EXPECT_EQ(m.push("b"), "");
  EXPECT_TRUE(m.stopped());
}

TEST(StopMatcherTest, MultiByteTextIsCutOnlyAtTheStop) {
  StopMatcher m({"。"});
  EXPECT_EQ(feed(m, {"你好", "。再见"}), "你好");
}

}  // namespace
}  // namespace herd
