#include "server/prompt_builder.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "chat/chat_prompt.h"
#include "runtime/chat_tokens.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

nlohmann::ordered_json messages_json(const OpenAiRequest& request) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const ChatMessage& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  return messages;
}

}  // namespace

Result<std::string> render_messages(const OpenAiRequest& request, const ServedModel& model) {
  return chat::render_chat_prompt(*model.chat_template, messages_json(request),
                                  {.bos_token = model.bos_token, .eos_token = model.eos_token});
}

Result<GenerationRequest> build_generation_request(const OpenAiRequest& request, const ServedModel& model,
                                                   int32_t n_ctx, int32_t n_vocab, std::string* error_param) {
  const std::string prompt_param = request.endpoint == Endpoint::kChatCompletions ? "messages" : "prompt";
  auto fail = [&](const std::string& param, const std::string& message) {
    if (error_param != nullptr) *error_param = param;
    return invalid_argument(message);
  };
  const Tokenizer& tok = *model.tokenizer;
  GenerationRequest out;
  if (request.endpoint == Endpoint::kChatCompletions) {
    ChatTokensParams params{.prompt = {.bos_token = model.bos_token, .eos_token = model.eos_token},
                            .parse_special_in_messages = model.chat_parse_special};
    Result<std::vector<int32_t>> ids = tokenize_chat(tok, *model.chat_template, messages_json(request), params);
    if (!ids.ok()) return fail("messages", ids.status().message());
    out.prompt = std::move(ids).value();
  } else if (request.prompt_is_tokens) {
    out.prompt = request.prompt_tokens;
    for (int32_t id : out.prompt) {
      if (id < 0 || id >= n_vocab) {
        return fail("prompt", "token id " + std::to_string(id) + " is outside the vocabulary (" +
                                  std::to_string(n_vocab) + " tokens)");
      }
    }
  } else {
    out.prompt = tok.encode(request.prompt_text, /*add_special=*/true, /*parse_special=*/true);
  }
  if (out.prompt.empty()) return fail(prompt_param, "the prompt is empty");
  const int64_t n_prompt = static_cast<int64_t>(out.prompt.size());
  if (n_prompt >= n_ctx) {
    return fail(prompt_param, "the prompt is " + std::to_string(n_prompt) + " tokens; this model's context is " +
                                  std::to_string(n_ctx) + " tokens, which must also hold the completion");
  }
  if (request.max_tokens >= 0 && n_prompt + request.max_tokens > n_ctx) {
    return fail("max_tokens", "this model's context is " + std::to_string(n_ctx) + " tokens; the prompt is " +
                                  std::to_string(n_prompt) + " tokens and max_tokens is " +
                                  std::to_string(request.max_tokens) + ", so at most " +
                                  std::to_string(n_ctx - n_prompt) + " tokens can be generated");
  }
  out.sampling = request.sampling;
  out.max_tokens = request.max_tokens;
  out.stop = request.stop;
  out.n = request.n;
  out.top_logprobs = request.top_logprobs;
  out.ignore_eos = request.ignore_eos;
  return out;
}

}  // namespace herd::server
