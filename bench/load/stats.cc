#include "stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace herd::load {

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * double(samples.size() - 1);
  const size_t lo = size_t(std::floor(rank));
  const size_t hi = std::min(lo + 1, samples.size() - 1);
  const double frac = rank - double(lo);
  return samples[lo] + (samples[hi] - samples[lo]) * frac;
}

double mean(const std::vector<double>& samples) {
  if (samples.empty()) return 0;
  return std::accumulate(samples.begin(), samples.end(), 0.0) / double(samples.size());
}

double median(const std::vector<double>& samples) { return percentile(samples, 50); }

LatencySummary summarize(const std::vector<double>& samples) {
  return {percentile(samples, 50), percentile(samples, 99), mean(samples), samples.size()};
}

}  // namespace herd::load
