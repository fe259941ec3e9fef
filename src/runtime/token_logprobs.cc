#include "runtime/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace herd {

GeneratedTokenLogprobs token_logprobs(std::span<const float> logits, int32_t chosen, int32_t top_k) {
  GeneratedTokenLogprobs out;
  const size_t n = logits.size();
  if (n == 0) return out;
  float max = -std::numeric_limits<float>::infinity();
  for (float l : logits) {
    if (l > max) max = l;  // NaN never compares greater
  }
  double sum = 0.0;
  for (float l : logits) {
    if (!std::isnan(l)) sum += std::exp(static_cast<double>(l) - max);
  }
  const double log_z = static_cast<double>(max) + std::log(sum);
  const auto logprob = [&](int32_t id) {
    const float l = logits[static_cast<size_t>(id)];
    return std::isnan(l) ? -std::numeric_limits<float>::infinity() : static_cast<float>(l - log_z);
  };
  out.chosen = {chosen, chosen >= 0 && static_cast<size_t>(chosen) < n ? logprob(chosen) : -INFINITY};
  const size_t k = std::min(n, static_cast<size_t>(std::max(0, top_k)));
  if (k == 0) return out;
  std::vector<int32_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(i);
  const auto better = [&](int32_t a, int32_t b) {
    const float la = std::isnan(logits[static_cast<size_t>(a)]) ? -INFINITY : logits[static_cast<size_t>(a)];
    const float lb = std::isnan(logits[static_cast<size_t>(b)]) ? -INFINITY : logits[static_cast<size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), better);
  out.top.reserve(k);
  for (size_t i = 0; i < k; ++i) out.top.push_back({ids[i], logprob(ids[i])});
  return out;
}

}  // namespace herd
