#include "base/read_bandwidth.h"

#include <gtest/gtest.h>

#include <cmath>

namespace herd {
namespace {

TEST(ReadBandwidthTest, ReportsAPositiveFiniteRate) {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    const double bw = measure_read_bandwidth(pool, size_t{16} << 20, 3);
    EXPECT_TRUE(std::isfinite(bw));
    // Any machine streams more than 100 MB/s and less than 10 TB/s.
    EXPECT_GT(bw, 1e8) << threads;
    EXPECT_LT(bw, 1e13) << threads;
  }
}

TEST(ReadBandwidthTest, TinyBuffersAndZeroRoundsStillWork) {
  ThreadPool pool(2);
  EXPECT_GT(measure_read_bandwidth(pool, 0, 0), 0.0);
  EXPECT_GT(measure_read_bandwidth(pool, 7, 1), 0.0);
}

}  // namespace
}  // namespace herd
