#include "sampling/sampling_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace herd {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Expects kInvalidArgument whose message names `field` and contains `value_text`.
void expect_rejected(const SamplingParams& p, const std::string& field, const std::string& value_text) {
  const Status s = validate(p);
  ASSERT_FALSE(s.ok()) << field << " " << value_text;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("got " + value_text), std::string::npos) << s.message();
}

TEST(SamplingParamsTest, DefaultsAreValid) {
  EXPECT_TRUE(validate(SamplingParams{}).ok());
}

TEST(SamplingParamsTest, EdgeValuesThatTurnStagesOffAreValid) {
  SamplingParams p;
  p.temperature = 0.0f;   // greedy
  p.top_k = 0;            // off
  p.top_p = 1.0f;         // off
  p.min_p = 0.0f;         // off
  p.repeat_penalty = 1.0f;
  p.repeat_last_n = 0;
  EXPECT_TRUE(validate(p).ok());
  p.temperature = -1.0f;  // negative is greedy, not an error
  p.top_k = -5;
  p.min_p = 1.0f;
  p.repeat_penalty = 0.5f;  // < 1 encourages repetition; allowed
  p.frequency_penalty = -2.0f;
  p.presence_penalty = -2.0f;
  EXPECT_TRUE(validate(p).ok());
}

TEST(SamplingParamsTest, RejectsNonFiniteTemperature) {
  SamplingParams p;
  p.temperature = kNaN;
  expect_rejected(p, "temperature", "nan");
  p.temperature = kInf;
  expect_rejected(p, "temperature", "inf");
}

TEST(SamplingParamsTest, RejectsTopPOutsideZeroOne) {
  for (float v : {0.0f, -0.1f, 1.5f}) {
    SamplingParams p;
    p.top_p = v;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v));
    expect_rejected(p, "top_p", buf);
  }
  SamplingParams p;
  p.top_p = kNaN;
  expect_rejected(p, "top_p", "nan");
}

TEST(SamplingParamsTest, RejectsMinPOutsideZeroOne) {
  SamplingParams p;
  p.min_p = -0.01f;
  expect_rejected(p, "min_p", "-0.01");
  p.min_p = 1.25f;
  expect_rejected(p, "min_p", "1.25");
  p.min_p = kNaN;
  expect_rejected(p, "min_p", "nan");
}

TEST(SamplingParamsTest, RejectsNonPositiveRepeatPenalty) {
  SamplingParams p;
  p.repeat_penalty = 0.0f;
  expect_rejected(p, "repeat_penalty", "0");
  p.repeat_penalty = -1.0f;
  expect_rejected(p, "repeat_penalty", "-1");
  p.repeat_penalty = kNaN;
  expect_rejected(p, "repeat_penalty", "nan");
  p.repeat_penalty = kInf;
  expect_rejected(p, "repeat_penalty", "inf");
}

TEST(SamplingParamsTest, RejectsNegativeRepeatLastN) {
  SamplingParams p;
  p.repeat_last_n = -1;
  expect_rejected(p, "repeat_last_n", "-1");
}

TEST(SamplingParamsTest, RejectsNonFiniteFrequencyAndPresencePenalties) {
  SamplingParams p;
  p.frequency_penalty = kNaN;
  expect_rejected(p, "frequency_penalty", "nan");
  p.frequency_penalty = 0.0f;
  p.presence_penalty = -kInf;
  expect_rejected(p, "presence_penalty", "-inf");
}

TEST(SamplingParamsTest, MessageIsReadable) {
  SamplingParams p;
  p.top_p = 2.0f;
  EXPECT_EQ(validate(p).to_string(),
            "invalid argument: sampling: top_p must be in (0, 1] (1 turns it off), got 2");
}

}  // namespace
}  // namespace herd
