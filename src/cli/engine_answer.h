// The one generation loop of the terminal commands: herd run and herd chat submit to
// the serving Engine (one sequence at a time) and read its RequestStream, exactly as
// the server does; this file holds what they share.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "runtime/engine.h"

namespace herd {
class Model;
class Tokenizer;
}  // namespace herd

namespace herd::cli {

struct GenerationOptions;

// An engine for one conversation: one sequence, the given context and threads.
Result<std::unique_ptr<Engine>> create_terminal_engine(const Model& model, const Tokenizer& tokenizer,
                                                       const GenerationOptions& gen);

struct Answer {
  int32_t n_prompt = 0;
  int32_t n_generated = 0;     // sampled tokens, an end-of-generation token included
  std::vector<int32_t> tokens;  // the generated tokens shown (end of generation excluded)
  double prompt_seconds = 0.0;    // submit to the first token
  double generate_seconds = 0.0;  // first token to the end
  const char* stop = "length";    // "length", "stop", "context full" or "cancelled"

  double prompt_tokens_per_second() const { return prompt_seconds > 0 ? n_prompt / prompt_seconds : 0.0; }
  double generate_tokens_per_second() const { return generate_seconds > 0 ? n_generated / generate_seconds : 0.0; }
};

// Generates up to n_predict tokens (< 0: until the end of generation or a full
// context; a count past the context stops there too; 0: the prompt only) after the
// prompt, whose tokens the penalties also count. on_tokens gets the new tokens as
// they come; once stop_requested() says so (polled while waiting) the request is
// cancelled and nothing more is passed on.
Result<Answer> generate_answer(GenerationService& engine, std::vector<int32_t> prompt, int32_t n_predict,
                               const SamplingParams& sampling,
                               const std::function<void(std::span<const int32_t>)>& on_tokens,
                               const std::function<bool()>& stop_requested = nullptr);

}  // namespace herd::cli
