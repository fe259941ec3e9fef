#include "server/sse.h"

#include <span>
#include <utility>

namespace herd::server {

std::string sse_frame(const Json& data) { return "data: " + to_wire(data) + "\n\n"; }

SseEncoder::SseEncoder(ResponseMeta meta, int32_t n, bool include_usage, TokenPiece piece)
    : meta_(std::move(meta)),
      include_usage_(include_usage),
      piece_(std::move(piece)),
      text_offsets_(static_cast<size_t>(n < 1 ? 1 : n), 0),
      parsers_(text_offsets_.size()) {
  if (meta_.output) {
    for (auto& p : parsers_) p.emplace(*meta_.output);
  }
}

std::string SseEncoder::start() {
  if (meta_.endpoint != Endpoint::kChatCompletions) return {};
  std::string out;
  for (size_t i = 0; i < text_offsets_.size(); ++i) {
    out += sse_frame(chat_role_chunk(meta_, static_cast<int32_t>(i), include_usage_));
  }
  return out;
}

std::string SseEncoder::encode_delta(const ChoiceDelta& delta) {
  if (delta.index < 0 || static_cast<size_t>(delta.index) >= text_offsets_.size()) return {};
  const size_t i = static_cast<size_t>(delta.index);
  std::string out;
  std::optional<chat::ModelOutputParser>& parser = parsers_[i];
  if (!parser) {
    if (!delta.text.empty() || !delta.logprobs.empty()) {
      out += sse_frame(content_chunk(meta_, delta.index, delta.text, delta.logprobs, piece_, &text_offsets_[i],
                                     include_usage_));
    }
    if (delta.finish) out += sse_frame(finish_chunk(meta_, delta.index, *delta.finish, include_usage_));
    return out;
  }
  // Reasoning and tool calls go out as their own deltas; what is left is content.
  auto emit = [&](const chat::OutputDelta& parsed, std::span<const GeneratedTokenLogprobs> logprobs) {
    if (std::optional<Json> chunk = parsed_delta_chunk(meta_, delta.index, parsed, include_usage_)) {
      out += sse_frame(*chunk);
    }
    if (!parsed.content.empty() || !logprobs.empty()) {
      out += sse_frame(content_chunk(meta_, delta.index, parsed.content, logprobs, piece_, &text_offsets_[i],
                                     include_usage_));
    }
  };
  emit(parser->feed(delta.text), delta.logprobs);
  if (delta.finish) emit(parser->finish(), {});
  if (delta.finish) {
    out += sse_frame(finish_chunk(meta_, delta.index, *delta.finish, include_usage_,
                                  !parser->message().tool_calls.empty()));
  }
  return out;
}

std::string SseEncoder::encode(const RequestEvent& event) {
  if (finished_) return {};
  if (const auto* delta = std::get_if<ChoiceDelta>(&event)) return encode_delta(*delta);
  finished_ = true;
  if (const auto* done = std::get_if<RequestDone>(&event)) {
    std::string out;
    if (include_usage_) out += sse_frame(usage_chunk(meta_, done->usage));
    return out + std::string(kSseDone);
  }
  const auto& failed = std::get<RequestFailed>(event);
  return sse_frame(error_json(api_error(failed.status))) + std::string(kSseDone);
}

std::string SseEncoder::fail(const ApiError& error) {
  if (finished_) return {};
  finished_ = true;
  return sse_frame(error_json(error)) + std::string(kSseDone);
}

}  // namespace herd::server
