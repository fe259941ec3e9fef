#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

// Counts heap allocations so a test can check that sample() makes none once warm.
namespace {
size_t g_allocations = 0;
}  // namespace

void* operator new(size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace herd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Every filter and penalty off: a plain softmax at `temperature`.
SamplingParams plain(float temperature = 1.0f, uint64_t seed = 1) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.frequency_penalty = 0.0f;
  p.presence_penalty = 0.0f;
  p.seed = seed;
  return p;
}

SamplingParams greedy() { return plain(0.0f); }

std::vector<float> log_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    const int32_t t = s.sample(logits);
    EXPECT_GE(t, 0);
    EXPECT_LT(static_cast<size_t>(t), logits.size());
    if (t >= 0 && static_cast<size_t>(t) < logits.size()) ++counts[static_cast<size_t>(t)];
  }
  return counts;
}

double chi_square(const std::vector<int>& counts, const std::vector<double>& probs, int draws) {
  double chi2 = 0.0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = probs[i] * draws;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

// p of `id` in the last distribution, or -1 when it did not survive.
float prob_of(const Sampler& s, int32_t id) {
  for (const TokenProb& t : s.last_distribution()) {
    if (t.id == id) return t.p;
  }
  return -1.0f;
}

float logit_of(const Sampler& s, int32_t id) {
  for (const TokenProb& t : s.last_distribution()) {
    if (t.id == id) return t.logit;
  }
  return kNaN;
}

// ---- greedy -----------------------------------------------------------------

TEST(SamplerTest, GreedyIsArgmax) {
  Sampler s(greedy());
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 2.5f, -1.0f, 2.4f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{-3.0f, -2.0f, -1.0f}), 2);
  ASSERT_EQ(s.last_distribution().size(), 1u);
  EXPECT_EQ(s.last_distribution()[0].id, 2);
  EXPECT_EQ(s.last_distribution()[0].p, 1.0f);
}

TEST(SamplerTest, GreedyTiesGoToTheLowestId) {
  Sampler s(greedy());
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 3.0f, 3.0f, 3.0f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{0.0f, 0.0f, 0.0f}), 0);
}

TEST(SamplerTest, NegativeTemperatureIsGreedyAndIgnoresTheSeed) {
  const std::vector<float> logits = {0.5f, 0.7f, 0.69f};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SamplingParams p = plain(-1.0f, seed);
    Sampler s(p);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(logits), 1);
  }
}

TEST(SamplerTest, GreedyTreatsNaNAsMinusInfinity) {
  Sampler s(greedy());
  EXPECT_EQ(s.sample(std::vector<float>{kNaN, -5.0f, kNaN, -4.0f}), 3);
  EXPECT_EQ(s.sample(std::vector<float>{kNaN, kNaN}), 0);
  EXPECT_EQ(s.sample(std::vector<float>{-kInf, -kInf, -kInf}), 0);
}

// ---- edge inputs --------------------------------------------------------------

TEST(SamplerTest, VocabOfOne) {
  Sampler g(greedy());
  EXPECT_EQ(g.sample(std::vector<float>{-7.0f}), 0);
  Sampler s(SamplingParams{});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(std::vector<float>{3.0f}), 0);
  ASSERT_EQ(s.last_distribution().size(), 1u);
  EXPECT_FLOAT_EQ(s.last_distribution()[0].p, 1.0f);
}

TEST(SamplerTest, EmptyLogitsGiveNoToken) {
  Sampler s(SamplingParams{});
  EXPECT_EQ(s.sample(std::span<const float>()), Sampler::kNoToken);
  EXPECT_TRUE(s.last_distribution().empty());
}

TEST(SamplerTest, NaNAndMinusInfinityAreNeverDrawn) {
  Sampler s(plain(1.0f, 5));
  const std::vector<float> logits = {kNaN, 0.0f, -kInf, 0.0f, kNaN, -kInf};
  const std::vector<int> counts = histogram(s, logits, 2000);
  EXPECT_EQ(counts[0] + counts[2] + counts[4] + counts[5], 0);
  EXPECT_GT(counts[1], 800);
  EXPECT_GT(counts[3], 800);
}

TEST(SamplerTest, AllMinusInfinityOrNaNPicksIdZero) {
  Sampler s(SamplingParams{});
  EXPECT_EQ(s.sample(std::vector<float>{-kInf, kNaN, -kInf}), 0);
}

TEST(SamplerTest, PlusInfinityTakesAllTheMassEqually) {
  Sampler s(plain(1.0f, 3));
  const std::vector<float> logits = {100.0f, kInf, 5.0f, kInf};
  const std::vector<int> counts = histogram(s, logits, 2000);
  EXPECT_EQ(counts[0] + counts[2], 0);
  EXPECT_NEAR(counts[1] / 2000.0, 0.5, 0.05);
  EXPECT_FLOAT_EQ(prob_of(s, 1), 0.5f);
  EXPECT_FLOAT_EQ(prob_of(s, 3), 0.5f);
}

TEST(SamplerTest, AllEqualLogitsAreUniform) {
  Sampler s(plain(1.0f, 11));
  const std::vector<float> logits(5, 2.0f);
  constexpr int kDraws = 50000;
  const std::vector<int> counts = histogram(s, logits, kDraws);
  // Chi-square, 4 degrees of freedom: 18.47 is the 0.1% critical value.
  EXPECT_LT(chi_square(counts, std::vector<double>(5, 0.2), kDraws), 18.47);
}

TEST(SamplerTest, DoesNotModifyTheCallersLogits) {
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 1.5f;
  p.frequency_penalty = 0.3f;
  p.top_k = 2;
  Sampler s(p);
  s.accept(0);
  s.accept(1);
  std::vector<float> logits = {1.0f, -2.0f, kNaN, 0.5f};
  const std::vector<float> before = logits;
  s.sample(logits);
  for (size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(before[i])) {
      EXPECT_TRUE(std::isnan(logits[i]));
    } else {
      EXPECT_EQ(logits[i], before[i]);
    }
  }
}

// ---- determinism -------------------------------------------------------------------

std::vector<float> ramp(int n) {
  std::vector<float> logits;
  for (int i = 0; i < n; ++i) logits.push_back(std::sin(static_cast<float>(i)) * 2.0f);
  return logits;
}

std::vector<int32_t> run(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const int32_t t = s.sample(logits);
    s.accept(t);
    out.push_back(t);
  }
  return out;
}

TEST(SamplerTest, SameSeedSameThousandTokens) {
  SamplingParams p;  // the defaults, with every stage on
  p.seed = 77;
  p.repeat_penalty = 1.1f;
  p.presence_penalty = 0.2f;
  Sampler a(p), b(p);
  const std::vector<float> logits = ramp(100);
  EXPECT_EQ(run(a, logits, 1000), run(b, logits, 1000));
}

TEST(SamplerTest, DifferentSeedsGiveDifferentSequences) {
  SamplingParams p = plain(1.0f, 1);
  SamplingParams q = plain(1.0f, 2);
  Sampler a(p), b(q);
  const std::vector<float> logits = ramp(100);
  const std::vector<int32_t> ra = run(a, logits, 1000), rb = run(b, logits, 1000);
  int same = 0;
  for (size_t i = 0; i < ra.size(); ++i) same += ra[i] == rb[i];
  EXPECT_LT(same, 300);  // two independent draws over ~100 tokens rarely agree
}

TEST(SamplerTest, ResetClearsHistoryAndReproducesTheSequence) {
  SamplingParams p;
  p.seed = 9;
  p.repeat_penalty = 1.3f;
  p.frequency_penalty = 0.1f;
  Sampler s(p);
  const std::vector<float> logits = ramp(50);
  const std::vector<int32_t> first = run(s, logits, 300);
  s.reset();
  EXPECT_EQ(run(s, logits, 300), first);
}

TEST(SamplerTest, ResetForgetsPenalisedTokens) {
  SamplingParams p = greedy();
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  const std::vector<float> logits = {2.0f, 1.5f};
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);
  s.reset();
  EXPECT_EQ(s.sample(logits), 0);
}

// ---- the softmax draw ------------------------------------------------------------

TEST(SamplerTest, FrequenciesMatchTheSoftmax) {
  const std::vector<double> probs = {0.1, 0.2, 0.3, 0.4};
  const std::vector<float> logits = log_of(probs);
  Sampler s(plain(1.0f, 2024));
  constexpr int kDraws = 100000;
  const std::vector<int> counts = histogram(s, logits, kDraws);
  // Chi-square, 3 degrees of freedom: 16.27 is the 0.1% critical value. The
  // seed is fixed, so this is deterministic; the bound says the draw is fair.
  EXPECT_LT(chi_square(counts, probs, kDraws), 16.27);
  for (size_t i = 0; i < probs.size(); ++i) {
    EXPECT_NEAR(prob_of(s, static_cast<int32_t>(i)), probs[i], 1e-6);
  }
}

TEST(SamplerTest, TemperatureScalesTheLogits) {
  // Logits {0, ln 2} at temperature 2 are {0, ln 2 / 2}: p = 1 / (1 + sqrt 2).
  Sampler s(plain(2.0f, 4));
  const std::vector<float> logits = {0.0f, static_cast<float>(std::log(2.0))};
  s.sample(logits);
  const double p0 = 1.0 / (1.0 + std::sqrt(2.0));
  EXPECT_NEAR(prob_of(s, 0), p0, 1e-6);
  EXPECT_NEAR(prob_of(s, 1), 1.0 - p0, 1e-6);
}

TEST(SamplerTest, SmallTemperatureConcentratesOnTheArgmax) {
  const std::vector<float> logits = {1.0f, 1.1f, 0.9f, -3.0f};
  for (float t : {1e-2f, 1e-3f, 1e-30f, std::numeric_limits<float>::denorm_min()}) {
    Sampler s(plain(t, 8));
    for (int i = 0; i < 200; ++i) ASSERT_EQ(s.sample(logits), 1) << "temperature " << t;
    // At 1e-2 the runner-up keeps exp(-0.1 / 0.01) = 4.5e-5; smaller ones keep nothing.
    EXPECT_NEAR(prob_of(s, 1), 1.0f, 1e-4f) << "temperature " << t;
  }
}

TEST(SamplerTest, HighTemperatureFlattens) {
  const std::vector<float> logits = {0.0f, 1.0f, 2.0f};
  Sampler s(plain(100.0f, 6));
  constexpr int kDraws = 30000;
  const std::vector<int> counts = histogram(s, logits, kDraws);
  for (int32_t id = 0; id < 3; ++id) {
    EXPECT_NEAR(prob_of(s, id), 1.0 / 3.0, 0.01);
    EXPECT_NEAR(counts[static_cast<size_t>(id)] / static_cast<double>(kDraws), 1.0 / 3.0, 0.02);
  }
  // At temperature 1 the same logits are far from flat.
  Sampler cold(plain(1.0f, 6));
  cold.sample(logits);
  EXPECT_GT(prob_of(cold, 2), 0.6f);
}

TEST(SamplerTest, LastDistributionSumsToOne) {
  SamplingParams p;  // defaults: top-k 40, top-p 0.95, min-p 0.05
  Sampler s(p);
  s.sample(ramp(1000));
  double sum = 0.0;
  for (const TokenProb& t : s.last_distribution()) sum += t.p;
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_LE(s.last_distribution().size(), 40u);
}

// ---- top-k -------------------------------------------------------------------------

TEST(SamplerTest, TopKOneIsAlwaysTheArgmax) {
  const std::vector<float> logits = ramp(500);
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  for (uint64_t seed = 0; seed < 5; ++seed) {
    SamplingParams p = plain(5.0f, seed);  // hot, so only top-k can explain it
    p.top_k = 1;
    Sampler s(p);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(s.sample(logits), static_cast<int32_t>(best));
  }
}

TEST(SamplerTest, TopKTwoNeverLeavesTheTwoBest) {
  const std::vector<float> logits = {0.5f, 3.0f, 1.0f, 2.9f, 2.8f, -1.0f};
  SamplingParams p = plain(10.0f, 12);
  p.top_k = 2;
  Sampler s(p);
  const std::vector<int> counts = histogram(s, logits, 5000);
  EXPECT_EQ(counts[1] + counts[3], 5000);
  EXPECT_GT(counts[1], 2000);
  EXPECT_GT(counts[3], 2000);
  ASSERT_EQ(s.last_distribution().size(), 2u);
  EXPECT_EQ(s.last_distribution()[0].id, 1);  // top-k leaves them sorted
  EXPECT_EQ(s.last_distribution()[1].id, 3);
}

TEST(SamplerTest, TopKBreaksTiesByLowestId) {
  SamplingParams p = plain(1.0f, 13);
  p.top_k = 2;
  Sampler s(p);
  const std::vector<int> counts = histogram(s, std::vector<float>(6, 1.0f), 2000);
  EXPECT_EQ(counts[0] + counts[1], 2000);
}

TEST(SamplerTest, TopKLargerThanTheVocabIsHarmless) {
  SamplingParams p = plain(1.0f, 14);
  p.top_k = 1000;
  Sampler s(p);
  s.sample(std::vector<float>{0.0f, 0.0f, 0.0f});
  EXPECT_EQ(s.last_distribution().size(), 3u);
}

// ---- top-p ------------------------------------------------------------------------

TEST(SamplerTest, TopPHalfKeepsOnlyATokenWithSixtyPercent) {
  const std::vector<float> logits = log_of({0.1, 0.6, 0.2, 0.1});
  SamplingParams p = plain(1.0f, 15);
  p.top_p = 0.5f;
  Sampler s(p);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(s.sample(logits), 1);
  ASSERT_EQ(s.last_distribution().size(), 1u);
}

TEST(SamplerTest, TopPKeepsTheShortestPrefixReachingTheMass) {
  const std::vector<float> logits = log_of({0.1, 0.6, 0.2, 0.1});
  SamplingParams p = plain(1.0f, 16);
  p.top_p = 0.7f;  // 0.6 is short of it, 0.6 + 0.2 reaches it
  Sampler s(p);
  const std::vector<int> counts = histogram(s, logits, 20000);
  EXPECT_EQ(counts[0] + counts[3], 0);
  EXPECT_NEAR(prob_of(s, 1), 0.75, 1e-5);
  EXPECT_NEAR(prob_of(s, 2), 0.25, 1e-5);
  EXPECT_NEAR(counts[1] / 20000.0, 0.75, 0.02);
  ASSERT_EQ(s.last_distribution().size(), 2u);
  EXPECT_EQ(s.last_distribution()[0].id, 1);  // sorted by the top-p stage
}

TEST(SamplerTest, TopPAppliesAfterTopK) {
  // top-k 2 keeps {0.4, 0.3} -> renormalised {4/7, 3/7}; top-p 0.5 then keeps 0.4 only.
  const std::vector<float> logits = log_of({0.2, 0.4, 0.1, 0.3});
  SamplingParams p = plain(1.0f, 17);
  p.top_k = 2;
  p.top_p = 0.5f;
  Sampler s(p);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(s.sample(logits), 1);
  p.top_p = 0.6f;  // 4/7 = 0.571 < 0.6, so both stay
  Sampler t(p);
  t.sample(logits);
  EXPECT_NEAR(prob_of(t, 1), 4.0 / 7.0, 1e-5);
  EXPECT_NEAR(prob_of(t, 3), 3.0 / 7.0, 1e-5);
}

// ---- min-p -------------------------------------------------------------------------

TEST(SamplerTest, MinPExcludesTokensBelowMinPTimesPMax) {
  // p_max = 0.5 and min_p = 0.2: the threshold is 0.1, so 0.05 goes and 0.15 stays.
  const std::vector<float> logits = log_of({0.15, 0.5, 0.05, 0.3});
  SamplingParams p = plain(1.0f, 18);
  p.min_p = 0.2f;
  Sampler s(p);
  const std::vector<int> counts = histogram(s, logits, 20000);
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[0], 0);
  ASSERT_EQ(s.last_distribution().size(), 3u);
  EXPECT_EQ(prob_of(s, 2), -1.0f);
  EXPECT_NEAR(prob_of(s, 0), 0.15 / 0.95, 1e-5);
  EXPECT_NEAR(prob_of(s, 1), 0.50 / 0.95, 1e-5);
  EXPECT_NEAR(prob_of(s, 3), 0.30 / 0.95, 1e-5);
  // Chi-square, 2 degrees of freedom: 13.82 is the 0.1% critical value.
  const std::vector<int> kept = {counts[0], counts[1], counts[3]};
  EXPECT_LT(chi_square(kept, {0.15 / 0.95, 0.5 / 0.95, 0.3 / 0.95}, 20000), 13.82);
}

TEST(SamplerTest, MinPOneKeepsOnlyTheBest) {
  SamplingParams p = plain(1.0f, 19);
  p.min_p = 1.0f;
  Sampler s(p);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(s.sample(std::vector<float>{0.0f, 0.1f, 0.05f}), 1);
}

TEST(SamplerTest, MinPUsesTheTemperatureScaledDistribution) {
  // Logits {0, ln 0.25}: p ratio 0.25 at temperature 1, 0.5 at temperature 2.
  const std::vector<float> logits = {0.0f, static_cast<float>(std::log(0.25))};
  SamplingParams p = plain(1.0f, 20);
  p.min_p = 0.4f;
  Sampler cold(p);
  cold.sample(logits);
  EXPECT_EQ(cold.last_distribution().size(), 1u);
  p.temperature = 2.0f;
  Sampler hot(p);
  hot.sample(logits);
  EXPECT_EQ(hot.last_distribution().size(), 2u);
}

// ---- penalties ---------------------------------------------------------------------

TEST(SamplerTest, RepeatPenaltyDividesAPositiveLogit) {
  SamplingParams p = greedy();
  p.repeat_penalty = 1.1f;
  Sampler s(p);
  const std::vector<float> logits = {2.0f, 1.9f};  // 2.0 / 1.1 = 1.82 < 1.9
  EXPECT_EQ(s.sample(logits), 0);
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);
}

TEST(SamplerTest, RepeatPenaltyMultipliesANegativeLogit) {
  SamplingParams p = greedy();
  p.repeat_penalty = 1.1f;
  Sampler s(p);
  const std::vector<float> logits = {-1.0f, -1.05f};  // -1.0 * 1.1 = -1.1 < -1.05
  EXPECT_EQ(s.sample(logits), 0);
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);
}

TEST(SamplerTest, RepeatPenaltyIsAppliedOncePerTokenNotPerOccurrence) {
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  s.accept(0);
  s.accept(0);
  s.accept(0);
  s.sample(std::vector<float>{3.0f, -1.0f, 1.0f});
  EXPECT_FLOAT_EQ(logit_of(s, 0), 1.5f);
  s.accept(1);
  s.sample(std::vector<float>{3.0f, -1.0f, 1.0f});
  EXPECT_FLOAT_EQ(logit_of(s, 1), -2.0f);
  EXPECT_FLOAT_EQ(logit_of(s, 2), 1.0f);
}

TEST(SamplerTest, FrequencyAndPresencePenaltiesByHand) {
  SamplingParams p = plain(1.0f);
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  Sampler s(p);
  s.accept(0);
  s.accept(1);
  s.accept(0);  // counts: token 0 twice, token 1 once
  s.sample(std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f});
  EXPECT_FLOAT_EQ(logit_of(s, 0), 1.0f - 2 * 0.5f - 0.25f);  // -0.25
  EXPECT_FLOAT_EQ(logit_of(s, 1), 1.0f - 1 * 0.5f - 0.25f);  //  0.25
  EXPECT_FLOAT_EQ(logit_of(s, 2), 1.0f);
  EXPECT_FLOAT_EQ(logit_of(s, 3), 1.0f);
  // p ~ exp(logit): {e^-0.25, e^0.25, e, e}.
  const double z = std::exp(-0.25) + std::exp(0.25) + 2 * std::exp(1.0);
  EXPECT_NEAR(prob_of(s, 0), std::exp(-0.25) / z, 1e-6);
  EXPECT_NEAR(prob_of(s, 1), std::exp(0.25) / z, 1e-6);
  EXPECT_NEAR(prob_of(s, 2), std::exp(1.0) / z, 1e-6);
}

TEST(SamplerTest, FrequencyPenaltyChangesTheGreedyPick) {
  SamplingParams p = greedy();
  p.frequency_penalty = 0.1f;
  Sampler s(p);
  const std::vector<float> logits = {1.0f, 0.85f};
  s.accept(0);  // 1.0 - 0.1 = 0.9 > 0.85
  EXPECT_EQ(s.sample(logits), 0);
  s.accept(0);  // 1.0 - 0.2 = 0.8 < 0.85
  EXPECT_EQ(s.sample(logits), 1);
}

TEST(SamplerTest, PresencePenaltyIgnoresTheCount) {
  SamplingParams p = plain(1.0f);
  p.presence_penalty = 0.75f;
  Sampler s(p);
  for (int i = 0; i < 5; ++i) s.accept(2);
  s.accept(1);
  s.sample(std::vector<float>{0.0f, 0.0f, 0.0f});
  EXPECT_FLOAT_EQ(logit_of(s, 0), 0.0f);
  EXPECT_FLOAT_EQ(logit_of(s, 1), -0.75f);
  EXPECT_FLOAT_EQ(logit_of(s, 2), -0.75f);
}

TEST(SamplerTest, RepeatPenaltyComesBeforeFrequencyAndPresence) {
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  Sampler s(p);
  s.accept(0);
  s.accept(1);
  s.sample(std::vector<float>{3.0f, -1.0f});
  EXPECT_FLOAT_EQ(logit_of(s, 0), 3.0f / 2.0f - 0.5f - 0.25f);   // 0.75
  EXPECT_FLOAT_EQ(logit_of(s, 1), -1.0f * 2.0f - 0.5f - 0.25f);  // -2.75
}

TEST(SamplerTest, RepeatLastNWindowIsRespected) {
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.125f;
  p.repeat_last_n = 2;
  Sampler s(p);
  const std::vector<float> logits = {1.0f, 1.0f, 1.0f, 1.0f};
  s.accept(0);
  s.accept(1);
  s.accept(2);  // pushes 0 out of the window
  s.sample(logits);
  EXPECT_FLOAT_EQ(logit_of(s, 0), 1.0f);
  EXPECT_FLOAT_EQ(logit_of(s, 1), 0.375f);
  EXPECT_FLOAT_EQ(logit_of(s, 2), 0.375f);
  s.accept(2);  // window now {2, 2}
  s.sample(logits);
  EXPECT_FLOAT_EQ(logit_of(s, 1), 1.0f);
  EXPECT_FLOAT_EQ(logit_of(s, 2), 0.5f - 2 * 0.125f);
}

TEST(SamplerTest, RepeatLastNZeroTurnsPenaltiesOff) {
  SamplingParams p = greedy();
  p.repeat_penalty = 10.0f;
  p.frequency_penalty = 1.0f;
  p.presence_penalty = 1.0f;
  p.repeat_last_n = 0;
  Sampler s(p);
  for (int i = 0; i < 10; ++i) s.accept(0);
  EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f}), 0);
}

TEST(SamplerTest, HistoryTokensOutsideTheVocabAreIgnored) {
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 2.0f;
  p.presence_penalty = 1.0f;
  Sampler s(p);
  s.accept(-5);
  s.accept(3);
  s.accept(1000000);
  s.sample(std::vector<float>{1.0f, 1.0f, 1.0f});
  for (int32_t id = 0; id < 3; ++id) EXPECT_FLOAT_EQ(logit_of(s, id), 1.0f);
  s.sample(std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f});  // a bigger vocab sees token 3
  EXPECT_FLOAT_EQ(logit_of(s, 3), 0.5f - 1.0f);
}

TEST(SamplerTest, PenaltiesWorkAcrossALongWindowAndLargeVocab) {
  SamplingParams p = greedy();
  p.repeat_penalty = 1.5f;
  p.repeat_last_n = 4096;
  Sampler s(p);
  std::vector<float> logits(32000, 0.0f);
  logits[31999] = 1.0f;
  logits[17] = 0.9f;
  for (int i = 0; i < 5000; ++i) s.accept(i % 32000);
  EXPECT_EQ(s.sample(logits), 31999);  // 4096-window holds 904..4999, not 31999
  s.accept(31999);
  EXPECT_EQ(s.sample(logits), 17);     // 1.0 / 1.5 < 0.9; 17 left the window
}

TEST(SamplerTest, SampleDoesNotAllocateOnceWarm) {
  SamplingParams p;  // every stage on
  p.repeat_penalty = 1.2f;
  p.frequency_penalty = 0.1f;
  p.repeat_last_n = 16;
  const std::vector<float> logits = ramp(5000);
  SamplingParams no_top_k = p;
  no_top_k.top_k = 0;  // top-p sorts the whole vocabulary itself
  for (const SamplingParams& params : {p, no_top_k}) {
    Sampler s(params);
    run(s, logits, 20);  // fills the history ring and the candidate buffer
    const size_t before = g_allocations;
    for (int i = 0; i < 100; ++i) s.sample(logits);
    EXPECT_EQ(g_allocations, before);
  }
}

}  // namespace
}  // namespace herd
