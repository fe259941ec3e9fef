#include "runtime/keep_alive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace herd {
namespace {

using std::chrono::milliseconds;

milliseconds parsed(const std::string& text) {
  Result<milliseconds> r = parse_keep_alive(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : milliseconds(-12345);
}

TEST(KeepAlive, DurationsInOllamasWords) {
  EXPECT_EQ(parsed("5m"), milliseconds(300'000));
  EXPECT_EQ(parsed("30s"), milliseconds(30'000));
  EXPECT_EQ(parsed("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parsed("250ms"), milliseconds(250));
  EXPECT_EQ(parsed("1.5s"), milliseconds(1500));
  EXPECT_EQ(parsed("90"), milliseconds(90'000));
  EXPECT_EQ(parsed("0"), milliseconds(0));
  EXPECT_EQ(parsed("-1"), kKeepForever);
  EXPECT_EQ(parsed("-5m"), kKeepForever);
}

TEST(KeepAlive, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "m", "5x", "five", "5 m", "1e3", "5m3", "--1", "3s-"}) {
    EXPECT_FALSE(parse_keep_alive(bad).ok()) << bad;
  }
}

TEST(KeepAlive, SecondsFromJsonNumbers) {
  EXPECT_EQ(*keep_alive_from_seconds(2.5), milliseconds(2500));
  EXPECT_EQ(*keep_alive_from_seconds(-1), kKeepForever);
  EXPECT_FALSE(keep_alive_from_seconds(std::nan("")).ok());
  // Absurdly long is a year, not an overflow.
  EXPECT_EQ(*keep_alive_from_seconds(1e300), milliseconds(365LL * 24 * 3600 * 1000));
}

}  // namespace
}  // namespace herd
