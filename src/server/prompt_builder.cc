#include "server/prompt_builder.h"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <span>
#include <utility>

#include "chat/chat_prompt.h"
#include "chat/model_output_parser.h"
#include "runtime/chat_tokens.h"
#include "runtime/grammar_vocab.h"
#include "server/reasoning_prefix.h"
#include "server/tool_call_grammar.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

// The conversation as templates read it: OpenAI's fields, with an assistant's tool calls (and
// null content when it only called), a tool result's tool_call_id, and reasoning sent back
// as reasoning_content (Qwen3's and DeepSeek's templates look there).
nlohmann::ordered_json messages_json(const OpenAiRequest& request) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const ChatMessage& m : request.messages) {
    nlohmann::ordered_json j = {{"role", m.role}, {"content", m.content}};
    if (!m.tool_calls.is_null()) {
      if (m.content.empty()) j["content"] = nullptr;
      j["tool_calls"] = m.tool_calls;
    }
    if (m.role == "tool") j["tool_call_id"] = m.tool_call_id;
    if (!m.reasoning.empty()) j["reasoning_content"] = m.reasoning;
    messages.push_back(std::move(j));
  }
  return messages;
}

}  // namespace

std::string prompt_tail(const Tokenizer& tok, std::span<const int32_t> prompt) {
  const size_t n = std::min<size_t>(prompt.size(), 16);
  return tok.decode(prompt.subspan(prompt.size() - n, n), /*render_special=*/true);
}

namespace {

chat::ChatPromptParams prompt_params(const OpenAiRequest& request, const ServedModel& model) {
  chat::ChatPromptParams p{.bos_token = model.bos_token, .eos_token = model.eos_token};
  // tool_choice "none" takes the tools away: the model is not told about them.
  if (request.tools.choice.mode != ToolChoice::Mode::kNone) p.tools = request.tools.tools;
  p.extra_context = request.tools.template_kwargs;
  return p;
}

}  // namespace

Result<std::string> render_messages(const OpenAiRequest& request, const ServedModel& model) {
  return chat::render_chat_prompt(*model.chat_template, messages_json(request), prompt_params(request, model));
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
    ChatTokensParams params{.prompt = prompt_params(request, model),
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
  for (const auto& [id, bias] : out.sampling.logit_bias) {
    if (id >= n_vocab) {
      return fail("logit_bias", "token id " + std::to_string(id) + " is outside the vocabulary (" +
                                    std::to_string(n_vocab) + " tokens)");
    }
  }
  const ToolChoice::Mode mode = request.tools.choice.mode;
  const bool forced_call =
      !request.tools.tools.is_null() && (mode == ToolChoice::Mode::kRequired || mode == ToolChoice::Mode::kNamed);
  if (!forced_call && request.constraint.kind == OutputConstraint::Kind::kNone) return out;
  std::shared_ptr<const GrammarVocab> vocab = model.grammar_vocab ? model.grammar_vocab() : nullptr;
  if (vocab == nullptr) {
    return fail(forced_call ? "tool_choice" : request.constraint.param, "this model does not take output constraints");
  }
  // A prompt that opened a think block: the constraint starts after the model closes it.
  const chat::OutputFormat detected = chat::detect_output_format(model.chat_template->source());
  const std::string reasoning_close =
      request.endpoint == Endpoint::kChatCompletions && detected.reasoning && chat::prompt_opens_reasoning(prompt_tail(tok, out.prompt))
          ? detected.reasoning_close
          : "";
  if (forced_call) {
    const std::string key = "tools " + std::to_string(static_cast<int>(detected.tools)) + " " +
                            request.tools.tools.dump() + " " + std::to_string(static_cast<int>(mode)) + " " +
                            request.tools.choice.name + " " + (request.tools.parallel_tool_calls ? "parallel" : "single") +
                            " " + reasoning_close;
    Result<std::shared_ptr<const grammar::CompiledGrammar>> g = vocab->compiled(key, [&]() -> Result<grammar::Grammar> {
      HERD_ASSIGN_OR_RETURN(ToolCallGrammar tg, tool_call_grammar(detected.tools, request.tools));
      if (reasoning_close.empty()) return std::move(tg.grammar);
      return after_open_reasoning(tg.grammar, reasoning_close);
    });
    if (!g.ok()) return fail("tools", g.status().message());
    out.grammar = std::move(g).value();
  }
  if (request.constraint.kind != OutputConstraint::Kind::kNone) {
    Result<std::shared_ptr<const grammar::CompiledGrammar>> g =
        compile_constraint(request.constraint, *vocab, reasoning_close);
    if (!g.ok()) return fail(request.constraint.param, g.status().message());
    out.grammar = std::move(g).value();
  }
  return out;
}

}  // namespace herd::server
