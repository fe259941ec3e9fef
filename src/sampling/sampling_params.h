// SamplingParams: how one request wants its next tokens chosen.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/status.h"

namespace herd {

struct SamplingParams {
  float temperature = 0.8f;        // <= 0: greedy (argmax, lowest id wins ties)
  int32_t top_k = 40;              // <= 0: off
  float top_p = 0.95f;             // in (0, 1]; 1: off
  float min_p = 0.05f;             // in [0, 1]; 0: off
  // llama-style: for each token among the last repeat_last_n accepted tokens,
  // a logit > 0 is divided by repeat_penalty, any other logit is multiplied by it.
  float repeat_penalty = 1.0f;     // > 0; 1: off
  // The one history window every penalty looks at; 0 turns all penalties off.
  int32_t repeat_last_n = 64;
  float frequency_penalty = 0.0f;  // logit -= count * frequency_penalty (count within the window)
  float presence_penalty = 0.0f;   // logit -= (count > 0) * presence_penalty
  uint64_t seed = 0;               // same seed, same logits, same history: same tokens
  // Added to a token's logit before everything else but the allowed-token mask (OpenAI's
  // logit_bias: -100 all but bans a token, 100 all but forces it). Ids outside the
  // vocabulary of a sample() are ignored there.
  std::vector<std::pair<int32_t, float>> logit_bias;
};

// kInvalidArgument, naming the field and its value, for: a NaN or infinite
// temperature (a negative one is fine: greedy), top_p outside (0, 1], min_p
// outside [0, 1], repeat_penalty <= 0 or not finite, repeat_last_n < 0, and a
// NaN or infinite frequency or presence penalty (negative ones are allowed:
// they encourage repetition, as OpenAI's API allows), a logit_bias outside
// [-100, 100] or a negative token id in it.
Status validate(const SamplingParams& params);

}  // namespace herd
