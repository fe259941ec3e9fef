#include "gateway/rate_window.h"

#include <gtest/gtest.h>

namespace herd::gateway {
namespace {

TEST(RateWindowTest, CountsTheLastSixtySeconds) {
  RateWindow w;
  w.add(1000, 5);
  w.add(1030, 3);
  EXPECT_EQ(w.used(1030), 8);
  EXPECT_EQ(w.used(1059), 8);
  EXPECT_EQ(w.used(1060), 3);  // second 1000 left the window
  EXPECT_EQ(w.used(1089), 3);
  EXPECT_EQ(w.used(1090), 0);
}

TEST(RateWindowTest, ALongGapEmptiesTheWindow) {
  RateWindow w;
  w.add(10, 7);
  EXPECT_EQ(w.used(10'000), 0);
  w.add(10'000, 1);
  EXPECT_EQ(w.used(10'000), 1);
}

TEST(RateWindowTest, SecondsUntilFitsFollowsTheOldestCounts) {
  RateWindow w;
  w.add(100, 4);
  w.add(110, 4);
  w.add(120, 2);
  // Limit 10, all 10 used: 1 more fits once second 100 leaves, at 160.
  EXPECT_EQ(w.seconds_until_fits(130, 1, 10), 30);
  // 5 more need both 100 and 110 gone: at 170.
  EXPECT_EQ(w.seconds_until_fits(130, 5, 10), 40);
  EXPECT_EQ(w.seconds_until_fits(130, 0, 10), 0);
  EXPECT_EQ(w.seconds_until_fits(130, 11, 10), RateWindow::kSeconds);  // never
}

TEST(RateWindowTest, SecondsUntilEmpty) {
  RateWindow w;
  EXPECT_EQ(w.seconds_until_empty(50), 0);
  w.add(100, 1);
  w.add(130, 1);
  EXPECT_EQ(w.seconds_until_empty(130), 60);  // second 130 leaves at 190
  EXPECT_EQ(w.seconds_until_empty(189), 1);
  EXPECT_EQ(w.seconds_until_empty(190), 0);
}

TEST(RateWindowTest, TimeNeverRunsBackward) {
  RateWindow w;
  w.add(100, 3);
  w.add(90, 2);  // a clock that stepped back counts at the newest second
  EXPECT_EQ(w.used(100), 5);
  EXPECT_EQ(w.used(159), 5);
  EXPECT_EQ(w.used(160), 0);
}

}  // namespace
}  // namespace herd::gateway
