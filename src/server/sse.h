// Server-sent events for a streaming completion: each engine event becomes zero or more
// "data: {chunk}\n\n" frames, and the stream ends with "data: [DONE]\n\n" as OpenAI's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/request.h"
#include "server/openai_errors.h"
#include "server/openai_response.h"

namespace herd::server {

inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

std::string sse_frame(const Json& data);  // "data: <compact json>\n\n"
// A comment line: clients ignore it. Sent while waiting so a dead connection shows up.
inline constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";

// Turns the events of one request into SSE text, in order.
class SseEncoder {
 public:
  SseEncoder(ResponseMeta meta, int32_t n, bool include_usage, TokenPiece piece);

  // The chat stream opens with a chunk per choice naming the assistant role; "" for
  // completions.
  std::string start();
  // Frames for one event. RequestDone adds the usage chunk (include_usage) and [DONE];
  // RequestFailed sends an error object, then [DONE].
  std::string encode(const RequestEvent& event);
  // Ends the stream with an error (e.g. the engine stopped answering).
  std::string fail(const ApiError& error);
  bool finished() const { return finished_; }

 private:
  std::string encode_delta(const ChoiceDelta& delta);

  ResponseMeta meta_;
  bool include_usage_;
  TokenPiece piece_;
  std::vector<int64_t> text_offsets_;  // per choice, for legacy logprobs
  std::vector<std::optional<chat::ModelOutputParser>> parsers_;  // per choice, when meta.output
  bool finished_ = false;
};

}  // namespace herd::server
