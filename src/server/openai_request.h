// The body of POST /v1/chat/completions and /v1/completions, parsed and validated into
// one struct. Every rejected field is named (the error's `param`), so a client sees
// exactly what to fix. Unknown fields are ignored, as most OpenAI-compatible servers
// do; fields herd knows but cannot honour (the legacy functions, ...) are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sampling/sampling_params.h"
#include "server/openai_tools.h"
#include "server/output_constraint.h"

namespace herd::server {

enum class Endpoint { kChatCompletions, kCompletions };

struct ChatMessage {
  std::string role;     // "system", "user", "assistant" or "tool" ("developer" is read as "system")
  std::string content;  // text parts joined with "\n"
  nlohmann::ordered_json tool_calls;  // assistant: OpenAI's tool_calls as sent (null: none)
  std::string tool_call_id;           // tool: the call this result answers
  std::string reasoning;              // assistant: reasoning_content (or reasoning) sent back
};

// Limits on what one request may ask for. Prompt length against the context is checked
// after tokenization (see prompt_builder.h).
struct RequestLimits {
  int32_t max_tokens = 1 << 20;  // the largest max_tokens accepted (the context bounds it too)
  int32_t max_n = 16;
  int32_t max_top_logprobs = 20;  // chat top_logprobs; legacy completions allow at most 5
  int32_t max_stop = 4;
  int32_t max_messages = 4096;
  size_t max_prompt_tokens = 1 << 20;  // ids given directly as the prompt
};

struct OpenAiRequest {
  Endpoint endpoint = Endpoint::kChatCompletions;
  std::string model;                  // as the client named it ("" when absent)
  std::vector<ChatMessage> messages;  // chat
  std::string prompt_text;            // completions, when the prompt is text
  std::vector<int32_t> prompt_tokens;  // completions, when the prompt is token ids
  bool prompt_is_tokens = false;
  int32_t max_tokens = -1;            // < 0: until end of generation or a full context
  // OpenAI's defaults: temperature 1, top_p 1; herd's top_k and min_p off unless given.
  SamplingParams sampling;
  bool seed_given = false;            // else sampling.seed is random
  std::vector<std::string> stop;
  int32_t n = 1;
  int32_t top_logprobs = -1;          // < 0: no logprobs; else the chosen token + this many
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::string user;
  bool ignore_eos = false;            // herd extension
  // How long the model stays loaded once idle after this request (Ollama's keep_alive:
  // seconds, or a duration such as "5m"; negative: forever). Unset: the server's.
  std::optional<std::chrono::milliseconds> keep_alive;
  OutputConstraint constraint;        // response_format / grammar (logit_bias is in sampling)
  ToolsRequest tools;                 // tools, tool_choice, chat_template_kwargs, reasoning_effort
};

// What a request's "model" ("" when absent) names: the defaults its unset fields take
// (a preset's params in OpenAI's names, see preset.h), or nullopt when no such model is
// served.
using ModelResolver = std::function<std::optional<nlohmann::json>(const std::string& model)>;

// Parses and validates `body`. Errors: kInvalidArgument (malformed JSON, a missing,
// mistyped or out-of-range field, an unsupported feature) and kNotFound (a model that
// is not in `model_names`; an absent model means the served one). On error,
// *error_param (when given) names the field, e.g. "messages[1].content", or is "".
Result<OpenAiRequest> parse_openai_request(std::string_view body, Endpoint endpoint, const RequestLimits& limits,
                                           std::span<const std::string> model_names,
                                           std::string* error_param = nullptr);
// The same over any set of models, each with its defaults.
Result<OpenAiRequest> parse_openai_request(std::string_view body, Endpoint endpoint, const RequestLimits& limits,
                                           const ModelResolver& resolve_model, std::string* error_param = nullptr);

}  // namespace herd::server
