// One generation request as the engine sees it (already tokenized), the events it
// reports back, and the stream that carries them from the engine thread to the thread
// serving the client.
#pragma once

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "sampling/sampling_params.h"

namespace herd::grammar {
class CompiledGrammar;
}

namespace herd {

struct GenerationRequest {
  std::vector<int32_t> prompt;      // token ids, chat template already applied
  SamplingParams sampling;          // choice i samples with seed sampling.seed + i
  int32_t max_tokens = -1;          // per choice; < 0: until end of generation or a full context
  std::vector<std::string> stop;    // stop strings; the text never contains them
  int32_t n = 1;                    // choices, sharing the prompt's KV blocks
  int32_t top_logprobs = -1;        // < 0: no logprobs; k >= 0: chosen token + k alternatives
  bool ignore_eos = false;          // keep going past end-of-generation tokens
  bool penalize_prompt = false;     // the penalties' history starts with the prompt's tokens
  // Every choice's output must be a sentence of this grammar: only the tokens it allows are
  // sampled (the mask comes before every sampler), and the choice ends with kStop when the
  // grammar is complete and an end token is drawn. nullptr: unconstrained.
  std::shared_ptr<const grammar::CompiledGrammar> grammar;
  // Control tokens whose text goes into the output anyway: the markers the server's output
  // parser reads (Llama 3's <|python_tag|>, Mistral's [TOOL_CALLS], <think> where it is one).
  std::vector<int32_t> rendered_control_tokens;
};

enum class FinishReason { kStop, kLength, kCancelled };
// OpenAI's words: "stop" (end of generation or a stop string), "length", "cancelled".
const char* finish_reason_name(FinishReason reason);

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0.0f;  // natural log of the model's probability (raw logits, before sampling)
};

// The logprob record of one generated token: itself and the top alternatives, best first.
struct GeneratedTokenLogprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;
};

// New output of one choice. text is safe to show: a possible stop string's start is
// held back until it can no longer become one, and a stop string is never included.
struct ChoiceDelta {
  int32_t index = 0;                           // choice in [0, n)
  std::string text;
  std::vector<int32_t> tokens;                 // tokens generated in this delta
  std::vector<GeneratedTokenLogprobs> logprobs;  // one per token when asked for
  std::optional<FinishReason> finish;          // set on the choice's last delta
};

struct Usage {
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;  // over all choices
  int32_t cached_prompt_tokens = 0;  // prompt tokens whose KV came from the prefix cache
};

// The request is over: every choice has sent its finish (kCancelled for the choices
// a cancel() cut short) and nothing more comes.
struct RequestDone {
  Usage usage;
};

// The request failed inside the engine (a bug or resources): nothing more comes.
struct RequestFailed {
  Status status;
};

using RequestEvent = std::variant<ChoiceDelta, RequestDone, RequestFailed>;

// A thread-safe queue of events for one request. The engine pushes; the server pops.
// cancel() (client gone) makes the engine drop the request and free its KV blocks at
// its next step; each unfinished choice gets a last delta with FinishReason::kCancelled
// and the stream still ends with RequestDone.
class RequestStream {
 public:
  void push(RequestEvent event);
  // The next event, or nullopt when none arrives within timeout.
  std::optional<RequestEvent> next(std::chrono::milliseconds timeout);

  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RequestEvent> events_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace herd
