// Log-probabilities of generated tokens, as OpenAI's logprobs report them: from the
// model's own distribution (log-softmax of the raw logits), not the sampler's.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/request.h"

namespace herd {

// The chosen token's logprob and the top_k most likely tokens, best first (ties: lower
// id first). top_k is clamped to the vocabulary.
GeneratedTokenLogprobs token_logprobs(std::span<const float> logits, int32_t chosen, int32_t top_k);

}  // namespace herd
