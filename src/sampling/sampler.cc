#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace herd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Reserve at most this much history up front; a larger window grows on demand.
constexpr size_t kMaxHistoryReserve = 1024;

// Higher logit first; equal logits: lower id first. A strict total order (ids
// are unique and NaN never reaches here), so every sort gives the same result.
bool before(const TokenProb& a, const TokenProb& b) {
  if (a.logit != b.logit) return a.logit > b.logit;
  return a.id < b.id;
}

bool allows(std::span<const uint64_t> allowed, size_t id) {
  const size_t word = id >> 6;
  return word < allowed.size() && ((allowed[word] >> (id & 63)) & 1) != 0;
}

}  // namespace

Sampler::Sampler(const SamplingParams& params)
    : params_(params),
      rng_(params.seed),
      penalties_on_(params.repeat_last_n > 0 &&
                    (params.repeat_penalty != 1.0f || params.frequency_penalty != 0.0f ||
                     params.presence_penalty != 0.0f)) {
  if (params_.repeat_last_n > 0) {
    const size_t reserve = std::min(static_cast<size_t>(params_.repeat_last_n), kMaxHistoryReserve);
    history_.reserve(reserve);
    window_.reserve(reserve);
  }
}

void Sampler::accept(int32_t token) {
  if (params_.repeat_last_n <= 0) return;
  if (history_.size() < static_cast<size_t>(params_.repeat_last_n)) {
    history_.push_back(token);
    return;
  }
  history_[history_head_] = token;
  history_head_ = (history_head_ + 1) % history_.size();
}

void Sampler::reset() {
  history_.clear();
  history_head_ = 0;
  n_kept_ = 0;
  rng_.reseed(params_.seed);
}

void Sampler::apply_penalties(std::span<TokenProb> by_id) {
  if (!penalties_on_ || history_.empty()) return;
  // Counting by sorting the window keeps the cost O(w log w) and independent of
  // the vocabulary size; window_ keeps its capacity between calls.
  window_.assign(history_.begin(), history_.end());
  std::sort(window_.begin(), window_.end());
  const float rp = params_.repeat_penalty;
  const size_t n_vocab = by_id.size();
  for (size_t i = 0; i < window_.size();) {
    const int32_t token = window_[i];
    size_t j = i + 1;
    while (j < window_.size() && window_[j] == token) ++j;
    const size_t count = j - i;
    i = j;
    if (token < 0 || static_cast<size_t>(token) >= n_vocab) continue;
    float& logit = by_id[static_cast<size_t>(token)].logit;
    if (rp != 1.0f) logit = logit > 0.0f ? logit / rp : logit * rp;
    logit -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

int32_t Sampler::sample_greedy(size_t n_vocab, std::span<const uint64_t> allowed) {
  TokenProb* c = candidates_.data();
  size_t best = 0;
  if (!allowed.empty()) {
    while (best < n_vocab && !allows(allowed, best)) ++best;
    if (best == n_vocab) best = 0;  // nothing allowed: the caller's mask is empty
  }
  for (size_t i = best + 1; i < n_vocab; ++i) {
    if (c[i].logit > c[best].logit) best = i;  // strict: the lowest id keeps a tie
  }
  c[0] = TokenProb{c[best].id, c[best].logit, 1.0f};
  n_kept_ = 1;
  return c[0].id;
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const uint64_t> allowed) {
  n_kept_ = 0;
  const size_t n_vocab = logits.size();
  if (n_vocab == 0 || n_vocab > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return kNoToken;
  }
  if (candidates_.size() < n_vocab) candidates_.resize(n_vocab);
  TokenProb* c = candidates_.data();
  for (size_t i = 0; i < n_vocab; ++i) {
    const float l = logits[i];
    c[i] = TokenProb{static_cast<int32_t>(i), std::isnan(l) ? -kInf : l, 0.0f};
  }
  if (!allowed.empty()) {
    for (size_t i = 0; i < n_vocab; ++i) {
      if (!allows(allowed, i)) c[i].logit = -kInf;
    }
  }
  for (const auto& [token, bias] : params_.logit_bias) {
    if (token >= 0 && static_cast<size_t>(token) < n_vocab) c[token].logit += bias;  // -inf stays -inf
  }
  apply_penalties(std::span<TokenProb>(c, n_vocab));

  const float temperature = params_.temperature;
  if (!(temperature > 0.0f)) return sample_greedy(n_vocab, allowed);

  // -inf tokens can never be drawn; dropping them here shrinks every later step.
  size_t n = 0;
  float max_logit = -kInf;
  for (size_t i = 0; i < n_vocab; ++i) {
    if (c[i].logit > -kInf) {
      max_logit = std::max(max_logit, c[i].logit);
      c[n++] = c[i];
    }
  }
  if (n == 0) {  // every (allowed) logit is -inf: greedy's answer
    return sample_greedy(n_vocab, allowed);
  }

  bool sorted = false;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    const size_t k = static_cast<size_t>(params_.top_k);
    std::nth_element(c, c + k, c + n, before);
    std::sort(c, c + k, before);
    n = k;
    sorted = true;
  }

  // Subtracting the max before dividing keeps a tiny temperature from turning
  // finite logits into inf/inf: the best token gets exp(0) = 1 exactly, so p_max
  // (unnormalised) is 1 below.
  const bool inf_max = max_logit == kInf;
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    float p;
    if (inf_max) {
      p = c[i].logit == kInf ? 1.0f : 0.0f;
    } else {
      p = std::exp((c[i].logit - max_logit) / temperature);
    }
    c[i].p = p;
    sum += p;
  }

  const float top_p = params_.top_p;
  if (top_p > 0.0f && top_p < 1.0f && n > 1) {
    if (!sorted) {
      std::sort(c, c + n, before);
      sorted = true;
    }
    const double target = static_cast<double>(top_p) * sum;
    double cum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      cum += c[i].p;
      if (cum >= target) {
        n = i + 1;
        break;
      }
    }
  }

  // min-p against p_max = 1; also drops tokens whose p underflowed to 0. The
  // best token (p = 1) always survives top-k and top-p, so n stays >= 1.
  const float min_keep = params_.min_p > 0.0f ? params_.min_p : 0.0f;
  size_t kept = 0;
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (c[i].p > 0.0f && c[i].p >= min_keep) {
      total += c[i].p;
      c[kept++] = c[i];
    }
  }
  for (size_t i = 0; i < kept; ++i) {
    c[i].p = static_cast<float>(c[i].p / total);
  }
  n_kept_ = kept;
  return draw(kept);
}

int32_t Sampler::draw(size_t n) {
  const TokenProb* c = candidates_.data();
  const double u = rng_.next_double();
  double cum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    cum += c[i].p;
    if (u < cum) return c[i].id;
  }
  // Rounding left the sum a hair under u; every kept p is > 0, so the last is fair.
  return c[n - 1].id;
}

}  // namespace herd
