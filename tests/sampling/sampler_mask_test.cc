// The allowed-token mask (what a grammar gives) and logit_bias: only allowed tokens are ever
// drawn, by greedy and by every sampler; masking is exactly "disallowed logits are -inf".
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "sampling/sampler.h"

namespace herd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<float> random_logits(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<uint64_t> mask_of(size_t n_vocab, const std::vector<int32_t>& ids) {
  std::vector<uint64_t> words((n_vocab + 63) / 64, 0);
  for (int32_t id : ids) words[size_t(id) / 64] |= uint64_t(1) << (id % 64);
  return words;
}

SamplingParams with(float temperature, int32_t top_k, float top_p, float min_p, uint64_t seed) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = seed;
  return p;
}

TEST(SamplerMaskTest, OnlyAllowedTokensAreDrawnBySeveralChains) {
  const size_t n_vocab = 1000;
  const std::vector<int32_t> ids = {3, 64, 65, 127, 500, 999};
  const std::vector<uint64_t> mask = mask_of(n_vocab, ids);
  for (const SamplingParams& p : {with(0.0f, 40, 0.95f, 0.05f, 1), with(1.0f, 0, 1.0f, 0.0f, 2),
                                  with(0.7f, 40, 0.9f, 0.05f, 3), with(2.0f, 2, 1.0f, 0.0f, 4)}) {
    Sampler s(p);
    for (uint32_t step = 0; step < 300; ++step) {
      const std::vector<float> logits = random_logits(n_vocab, step);
      const int32_t t = s.sample(logits, mask);
      EXPECT_NE(std::find(ids.begin(), ids.end(), t), ids.end()) << "drew " << t;
      s.accept(t);
    }
  }
}

TEST(SamplerMaskTest, MaskingIsTheSameAsMinusInfinityLogits) {
  const size_t n_vocab = 777;
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < int32_t(n_vocab); i += 7) ids.push_back(i);
  const std::vector<uint64_t> mask = mask_of(n_vocab, ids);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SamplingParams p = with(0.9f, 20, 0.9f, 0.02f, seed);
    p.repeat_penalty = 1.3f;
    Sampler masked(p), by_hand(p);
    for (uint32_t step = 0; step < 20; ++step) {
      std::vector<float> logits = random_logits(n_vocab, uint32_t(seed * 100 + step));
      const int32_t a = masked.sample(logits, mask);
      for (size_t i = 0; i < n_vocab; ++i) {
        if (i % 7 != 0) logits[i] = -kInf;
      }
      const int32_t b = by_hand.sample(logits);
      ASSERT_EQ(a, b) << "seed " << seed << " step " << step;
      masked.accept(a);
      by_hand.accept(b);
    }
  }
}

TEST(SamplerMaskTest, GreedyTakesTheBestAllowedAndTheLowestWhenAllAreMinusInfinity) {
  std::vector<float> logits = {5.0f, 1.0f, 4.0f, 3.0f};
  Sampler greedy(with(0.0f, 0, 1.0f, 0.0f, 0));
  EXPECT_EQ(greedy.sample(logits, mask_of(4, {1, 3})), 3);
  logits = {0.0f, -kInf, 9.0f, -kInf};
  EXPECT_EQ(greedy.sample(logits, mask_of(4, {1, 3})), 1) << "the lowest allowed id, not id 0";
  Sampler warm(with(1.0f, 0, 1.0f, 0.0f, 0));
  EXPECT_EQ(warm.sample(logits, mask_of(4, {3})), 3);
}

TEST(SamplerMaskTest, AShortMaskRefusesTheIdsPastItsEnd) {
  const std::vector<float> logits = random_logits(200, 9);
  Sampler s(with(1.0f, 0, 1.0f, 0.0f, 5));
  const std::vector<uint64_t> one_word = {~uint64_t(0)};
  for (int i = 0; i < 100; ++i) EXPECT_LT(s.sample(logits, one_word), 64);
}

TEST(SamplerMaskTest, LogitBiasMovesTheChoice) {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  SamplingParams p = with(0.0f, 0, 1.0f, 0.0f, 0);
  p.logit_bias = {{2, -100.0f}, {0, 1.5f}, {7, 100.0f}};  // id 7 is past this vocabulary: ignored
  Sampler s(p);
  EXPECT_EQ(s.sample(logits), 0);  // 2.5 beats 2.0; id 2 is at -97
  p.logit_bias = {{1, 100.0f}};
  p.temperature = 1.0f;
  Sampler forced(p);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(forced.sample(logits), 1);
}

TEST(SamplerMaskTest, LogitBiasCannotUnmaskAToken) {
  SamplingParams p = with(0.0f, 0, 1.0f, 0.0f, 0);
  p.logit_bias = {{0, 100.0f}};
  Sampler s(p);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 0.0f, 0.5f}, mask_of(3, {1, 2})), 2);
}

TEST(SamplerMaskTest, LogitBiasIsValidated) {
  SamplingParams p;
  p.logit_bias = {{1, 101.0f}};
  EXPECT_FALSE(validate(p).ok());
  p.logit_bias = {{-1, 1.0f}};
  EXPECT_FALSE(validate(p).ok());
  p.logit_bias = {{1, std::nanf("")}};
  EXPECT_FALSE(validate(p).ok());
  p.logit_bias = {{1, -100.0f}, {2, 100.0f}};
  EXPECT_TRUE(validate(p).ok());
}

}  // namespace
}  // namespace herd
