// Summaries of latency samples: percentiles and means over milliseconds.
#pragma once

#include <cstddef>
#include <vector>

namespace herd::load {

// The p-th percentile (0..100) by linear interpolation between the two nearest
// ranks; 0 for no samples. Takes a copy because it sorts.
double percentile(std::vector<double> samples, double p);
double mean(const std::vector<double>& samples);
double median(const std::vector<double>& samples);

struct LatencySummary {
  double p50 = 0, p99 = 0, mean = 0;
  std::size_t count = 0;
};
LatencySummary summarize(const std::vector<double>& samples);

}  // namespace herd::load
