#include "server/openai_response.h"

#include <random>

namespace herd::server {
namespace {

const char* object_name(Endpoint endpoint, bool chunk) {
  if (endpoint == Endpoint::kCompletions) return "text_completion";
  return chunk ? "chat.completion.chunk" : "chat.completion";
}

Json head(const ResponseMeta& meta, bool chunk) {
  return {{"id", meta.id}, {"object", object_name(meta.endpoint, chunk)}, {"created", meta.created},
          {"model", meta.model}};
}

Json bytes_json(const std::string& s) {
  Json bytes = Json::array();
  for (unsigned char c : s) bytes.push_back(static_cast<int>(c));
  return bytes;
}

Json logprobs_field(const ResponseMeta& meta, std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece,
                    int64_t* text_offset) {
  if (!meta.logprobs) return nullptr;
  if (meta.endpoint == Endpoint::kChatCompletions) return chat_logprobs_json(logprobs, piece);
  return completion_logprobs_json(logprobs, piece, text_offset);
}

// A chunk with one choice; the caller fills in its delta or text.
Json chunk_with_choice(const ResponseMeta& meta, Json choice, bool with_usage_null) {
  Json chunk = head(meta, /*chunk=*/true);
  chunk["choices"] = Json::array({std::move(choice)});
  if (with_usage_null) chunk["usage"] = nullptr;
  return chunk;
}

}  // namespace

std::string new_response_id(Endpoint endpoint) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{(static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  std::string id = endpoint == Endpoint::kChatCompletions ? "chatcmpl-" : "cmpl-";
  std::uniform_int_distribution<int> pick(0, static_cast<int>(sizeof(kAlphabet)) - 2);
  for (int i = 0; i < 24; ++i) id.push_back(kAlphabet[pick(rng)]);
  return id;
}

const char* finish_reason_text(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "stop";
}

Json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

Json chat_logprobs_json(std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece) {
  Json content = Json::array();
  for (const GeneratedTokenLogprobs& g : logprobs) {
    const std::string text = piece(g.chosen.token);
    Json top = Json::array();
    for (const TokenLogprob& t : g.top) {
      const std::string alt = piece(t.token);
      top.push_back({{"token", alt}, {"logprob", t.logprob}, {"bytes", bytes_json(alt)}});
    }
    content.push_back(
        {{"token", text}, {"logprob", g.chosen.logprob}, {"bytes", bytes_json(text)}, {"top_logprobs", std::move(top)}});
  }
  return {{"content", std::move(content)}};
}

Json completion_logprobs_json(std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece,
                              int64_t* offset) {
  Json tokens = Json::array(), token_logprobs = Json::array(), top_logprobs = Json::array(), offsets = Json::array();
  for (const GeneratedTokenLogprobs& g : logprobs) {
    const std::string text = piece(g.chosen.token);
    tokens.push_back(text);
    token_logprobs.push_back(g.chosen.logprob);
    Json top = Json::object();
    for (const TokenLogprob& t : g.top) top[piece(t.token)] = t.logprob;
    top_logprobs.push_back(std::move(top));
    offsets.push_back(*offset);
    *offset += static_cast<int64_t>(text.size());
  }
  return {{"tokens", std::move(tokens)},
          {"token_logprobs", std::move(token_logprobs)},
          {"top_logprobs", std::move(top_logprobs)},
          {"text_offset", std::move(offsets)}};
}

ResponseAccumulator::ResponseAccumulator(int32_t n, const std::optional<chat::OutputFormat>& output)
    : choices_(static_cast<size_t>(n < 1 ? 1 : n)), parsers_(choices_.size()) {
  if (output) {
    for (auto& p : parsers_) p.emplace(*output);
  }
}

void ResponseAccumulator::add(const ChoiceDelta& delta) {
  if (delta.index < 0 || static_cast<size_t>(delta.index) >= choices_.size()) return;  // not ours to index
  ChoiceResult& c = choices_[static_cast<size_t>(delta.index)];
  std::optional<chat::ModelOutputParser>& parser = parsers_[static_cast<size_t>(delta.index)];
  if (parser) {
    parser->feed(delta.text);
  } else {
    c.text += delta.text;
  }
  c.logprobs.insert(c.logprobs.end(), delta.logprobs.begin(), delta.logprobs.end());
  if (delta.finish) {
    c.finish = delta.finish;
    if (parser) {
      parser->finish();
      const chat::ParsedOutput& m = parser->message();
      c.text = m.content;
      c.reasoning = m.reasoning;
      c.tool_calls = m.tool_calls;
    }
  }
}

namespace {

Json tool_calls_json(const std::vector<chat::ToolCall>& calls) {
  Json list = Json::array();
  for (const chat::ToolCall& t : calls) {
    list.push_back({{"id", t.id}, {"type", "function"}, {"function", {{"name", t.name}, {"arguments", t.arguments}}}});
  }
  return list;
}

// OpenAI's message, with both names of the thinking (clients read one or the other).
Json message_json(const ChoiceResult& c) {
  Json m = {{"role", "assistant"}, {"content", c.text}};
  if (!c.reasoning.empty()) {
    m["reasoning_content"] = c.reasoning;
    m["reasoning"] = c.reasoning;
  }
  if (!c.tool_calls.empty()) {
    if (c.text.empty()) m["content"] = nullptr;
    m["tool_calls"] = tool_calls_json(c.tool_calls);
  }
  return m;
}

const char* choice_finish(const ChoiceResult& c) {
  const FinishReason reason = c.finish.value_or(FinishReason::kStop);
  return reason == FinishReason::kStop && !c.tool_calls.empty() ? "tool_calls" : finish_reason_text(reason);
}

}  // namespace

Json response_json(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices, const Usage& usage,
                   const TokenPiece& piece) {
  Json out = head(meta, /*chunk=*/false);
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChoiceResult& c = choices[i];
    int64_t offset = 0;
    Json choice = {{"index", static_cast<int64_t>(i)}};
    if (meta.endpoint == Endpoint::kChatCompletions) {
      choice["message"] = message_json(c);
    } else {
      choice["text"] = c.text;
    }
    choice["logprobs"] = logprobs_field(meta, c.logprobs, piece, &offset);
    choice["finish_reason"] = choice_finish(c);
    list.push_back(std::move(choice));
  }
  out["choices"] = std::move(list);
  out["usage"] = usage_json(usage);
  return out;
}

Json chat_role_chunk(const ResponseMeta& meta, int32_t index, bool with_usage_null) {
  return chunk_with_choice(meta,
                           {{"index", index},
                            {"delta", {{"role", "assistant"}, {"content", ""}}},
                            {"logprobs", nullptr},
                            {"finish_reason", nullptr}},
                           with_usage_null);
}

Json content_chunk(const ResponseMeta& meta, int32_t index, const std::string& text,
                   std::span<const GeneratedTokenLogprobs> logprobs, const TokenPiece& piece, int64_t* text_offset,
                   bool with_usage_null) {
  Json choice = {{"index", index}};
  if (meta.endpoint == Endpoint::kChatCompletions) {
    choice["delta"] = {{"content", text}};
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = logprobs_field(meta, logprobs, piece, text_offset);
  choice["finish_reason"] = nullptr;
  return chunk_with_choice(meta, std::move(choice), with_usage_null);
}

std::optional<Json> parsed_delta_chunk(const ResponseMeta& meta, int32_t index, const chat::OutputDelta& delta,
                                       bool with_usage_null) {
  Json fields = Json::object();
  if (!delta.reasoning.empty()) {
    fields["reasoning_content"] = delta.reasoning;
    fields["reasoning"] = delta.reasoning;
  }
  if (!delta.tool_calls.empty()) {
    Json calls = Json::array();
    for (const chat::ToolCallDelta& t : delta.tool_calls) {
      Json call = {{"index", t.index}};
      if (t.id) call["id"] = *t.id;
      if (t.id || t.name) call["type"] = "function";
      Json function = Json::object();
      if (t.name) function["name"] = *t.name;
      function["arguments"] = t.arguments;
      call["function"] = std::move(function);
      calls.push_back(std::move(call));
    }
    fields["tool_calls"] = std::move(calls);
  }
  if (fields.empty()) return std::nullopt;
  return chunk_with_choice(meta,
                           {{"index", index}, {"delta", std::move(fields)}, {"logprobs", nullptr}, {"finish_reason", nullptr}},
                           with_usage_null);
}

Json finish_chunk(const ResponseMeta& meta, int32_t index, FinishReason reason, bool with_usage_null,
                  bool tool_calls) {
  Json choice = {{"index", index}};
  if (meta.endpoint == Endpoint::kChatCompletions) {
    choice["delta"] = Json::object();
  } else {
    choice["text"] = "";
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = reason == FinishReason::kStop && tool_calls ? "tool_calls" : finish_reason_text(reason);
  return chunk_with_choice(meta, std::move(choice), with_usage_null);
}

Json usage_chunk(const ResponseMeta& meta, const Usage& usage) {
  Json chunk = head(meta, /*chunk=*/true);
  chunk["choices"] = Json::array();
  chunk["usage"] = usage_json(usage);
  return chunk;
}

std::string to_wire(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace herd::server
