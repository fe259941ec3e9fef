// SamplingParams: how one request wants its next tokens chosen.
#pragma once

#include <cstdint>

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
};

// kInvalidArgument, naming the field and its value, for: a NaN or infinite
// temperature (a negative one is fine: greedy), top_p outside (0, 1], min_p
// outside [0, 1], repeat_penalty <= 0 or not finite, repeat_last_n < 0, and a
// NaN or infinite frequency or presence penalty (negative ones are allowed:
// they encourage repetition, as OpenAI's API allows).
Status validate(const SamplingParams& params);

}  // namespace herd
