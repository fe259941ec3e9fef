// OpenAI's response objects, built from the engine's events: chat.completion and
// text_completion (whole responses), their streaming chunks, usage, and logprobs in both
// the chat format (logprobs.content[]) and the legacy completions format (tokens,
// token_logprobs, top_logprobs, text_offset).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chat/model_output_parser.h"
#include "runtime/request.h"
#include "server/openai_request.h"

namespace herd::server {

using Json = nlohmann::ordered_json;
// The bytes a token id stands for (the tokenizer's piece); may be a partial UTF-8 char.
using TokenPiece = std::function<std::string(int32_t)>;

struct ResponseMeta {
  Endpoint endpoint = Endpoint::kChatCompletions;
  std::string id;  // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;  // unix seconds
  std::string model;
  bool logprobs = false;  // the request asked for logprobs
  // Chat: how the model's output splits into reasoning, content and tool calls; unset: all
  // of it is content.
  std::optional<chat::OutputFormat> output;
};

// A fresh id with the endpoint's prefix and 24 random letters and digits.
std::string new_response_id(Endpoint endpoint);
// "stop", "length"; a cancelled request (the client left) reads "cancelled".
const char* finish_reason_text(FinishReason reason);

Json usage_json(const Usage& usage);
Json chat_logprobs_json(std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece);
// text_offset counts bytes from the start of the choice's text; *offset carries on
// across the chunks of one stream.
Json completion_logprobs_json(std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece,
                              int64_t* offset);

// One choice of a non-streaming response, put together from its deltas.
struct ChoiceResult {
  std::string text;       // the answer (content)
  std::string reasoning;  // thinking, when the output format splits it off
  std::vector<chat::ToolCall> tool_calls;
  std::vector<GeneratedTokenLogprobs> logprobs;
  std::optional<FinishReason> finish;
};

// Collects the deltas of n choices for a non-streaming response, splitting each choice's
// text by `output` when given.
class ResponseAccumulator {
 public:
  explicit ResponseAccumulator(int32_t n, const std::optional<chat::OutputFormat>& output = std::nullopt);
  void add(const ChoiceDelta& delta);
  const std::vector<ChoiceResult>& choices() const { return choices_; }

 private:
  std::vector<ChoiceResult> choices_;
  std::vector<std::optional<chat::ModelOutputParser>> parsers_;
};

Json response_json(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices, const Usage& usage,
                   const TokenPiece& piece);

// Streaming chunks. `role_chunk` is the chat stream's first chunk of a choice, naming
// the assistant role; `finish_chunk` ends a choice; `usage_chunk` (include_usage) has
// no choices. `with_usage_null` adds "usage": null as OpenAI does when include_usage.
Json chat_role_chunk(const ResponseMeta& meta, int32_t index, bool with_usage_null);
Json content_chunk(const ResponseMeta& meta, int32_t index, const std::string& text,
                   std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece, int64_t* text_offset,
                   bool with_usage_null);
// A chat chunk whose delta carries reasoning (as reasoning_content and reasoning) and tool
// call pieces; nothing when the delta has neither.
std::optional<Json> parsed_delta_chunk(const ResponseMeta& meta, int32_t index, const chat::OutputDelta& delta,
                                       bool with_usage_null);
// `tool_calls`: the choice called tools (its finish_reason then reads "tool_calls").
Json finish_chunk(const ResponseMeta& meta, int32_t index, FinishReason reason, bool with_usage_null,
                  bool tool_calls = false);
Json usage_chunk(const ResponseMeta& meta, const Usage& usage);

// Serializes for the wire: compact, invalid UTF-8 replaced by U+FFFD (a token piece may
// split a character).
std::string to_wire(const Json& json);

}  // namespace herd::server
