#include "runtime/token_logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace herd {
namespace {

TEST(TokenLogprobsTest, MatchesLogSoftmax) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, -1.0f};
  double z = 0.0;
  for (float l : logits) z += std::exp(static_cast<double>(l));
  const GeneratedTokenLogprobs r = token_logprobs(logits, 2, 3);
  EXPECT_EQ(r.chosen.token, 2);
  EXPECT_NEAR(r.chosen.logprob, 2.0 - std::log(z), 1e-6);
  ASSERT_EQ(r.top.size(), 3u);
  EXPECT_EQ(r.top[0].token, 1);
  EXPECT_EQ(r.top[1].token, 2);
  EXPECT_EQ(r.top[2].token, 0);
  EXPECT_NEAR(r.top[0].logprob, 3.0 - std::log(z), 1e-6);
  double mass = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) mass += std::exp(token_logprobs(logits, static_cast<int32_t>(i), 0).chosen.logprob);
  EXPECT_NEAR(mass, 1.0, 1e-6);
}

TEST(TokenLogprobsTest, TiesGoToTheLowerIdAndKIsClamped) {
  const std::vector<float> logits = {0.5f, 0.5f, 0.5f};
  const GeneratedTokenLogprobs r = token_logprobs(logits, 1, 10);
  ASSERT_EQ(r.top.size(), 3u);
  EXPECT_EQ(r.top[0].token, 0);
  EXPECT_EQ(r.top[2].token, 2);
  EXPECT_NEAR(r.chosen.logprob, -std::log(3.0), 1e-6);
  EXPECT_TRUE(token_logprobs(logits, 1, 0).top.empty());
}

TEST(TokenLogprobsTest, LargeLogitsDoNotOverflowAndNanIsImpossible) {
  const std::vector<float> logits = {1000.0f, 999.0f, NAN, -INFINITY};
  const GeneratedTokenLogprobs r = token_logprobs(logits, 0, 4);
  EXPECT_NEAR(r.chosen.logprob, -std::log1p(std::exp(-1.0)), 1e-5);
  EXPECT_TRUE(std::isinf(token_logprobs(logits, 2, 0).chosen.logprob));
  EXPECT_TRUE(std::isinf(token_logprobs(logits, 3, 0).chosen.logprob));
  for (const TokenLogprob& t : r.top) EXPECT_FALSE(std::isnan(t.logprob));
}

}  // namespace
}  // namespace herd
