// Prompt in, tokens out: evaluates the prompt as one batch, then samples one token
// per step until n_predict tokens, an end-of-generation token, or a full context.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "base/status.h"
#include "model/context.h"
#include "sampling/sampling_params.h"

namespace herd {

struct GenerateParams {
  int32_t n_predict = 128;  // < 0: until end of generation or a full context
  SamplingParams sampling;
  int32_t eos_id = -1;      // stop on this token (-1: never), as well as on is_eog
  std::function<bool(int32_t)> is_eog;  // optional: more end-of-generation tokens
};

enum class StopReason { kLength, kEndOfGeneration, kContextFull, kCallback };
const char* stop_reason_name(StopReason reason);

struct GenerateStats {
  int32_t n_prompt = 0;
  int32_t n_generated = 0;
  double prompt_seconds = 0.0;
  double generate_seconds = 0.0;  // sampling + decoding of generated tokens
  StopReason stop = StopReason::kLength;

  double prompt_tokens_per_second() const { return prompt_seconds > 0 ? n_prompt / prompt_seconds : 0.0; }
  double generate_tokens_per_second() const {
    return generate_seconds > 0 ? n_generated / generate_seconds : 0.0;
  }
};

// Calls on_token for every generated token (the end-of-generation token included);
// returning false from it stops generation.
Result<GenerateStats> generate(Context& ctx, std::span<const int32_t> prompt, const GenerateParams& params,
                               const std::function<bool(int32_t token)>& on_token);

}  // namespace herd
