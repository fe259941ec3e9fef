// Turns a conversation into the prompt text a chat model expects, through the model's
// own chat template (or ChatML when it has none). Shared by `herd chat` and the server,
// so both render a conversation exactly the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "chat/chat_template.h"

namespace herd::chat {

// Used when a model carries no tokenizer.chat_template.
extern const char* const kChatMlTemplate;

struct ChatPromptParams {
  std::string bos_token;  // the vocab's BOS and EOS texts, as templates expect them
  std::string eos_token;
  bool add_generation_prompt = true;
  // The `tools` variable (OpenAI's list of {"type": "function", "function": {...}}); null:
  // not defined, as when a request has no tools.
  nlohmann::ordered_json tools;
  // More variables (a request's chat_template_kwargs, e.g. enable_thinking); they never
  // replace messages, tools, add_generation_prompt, bos_token or eos_token.
  nlohmann::ordered_json extra_context = nlohmann::ordered_json::object();
  RenderOptions render;  // strftime_now's clock (tests pin it) and the render's limits
};

// Renders `messages` (a JSON array of {"role", "content"} objects with string content;
// assistant messages may carry OpenAI `tool_calls`, tool results are role "tool" with a
// tool_call_id: see tool_call_messages.h for the shapes tried).
// Templates without a system role (Gemma, Mistral v0.1) raise on one; the system text is
// then folded into the first user message and the render retried. A template that still
// refuses gives kInvalidArgument with its own words; other failures keep their Status.
Result<std::string> render_chat_prompt(const Template& tmpl, const nlohmann::ordered_json& messages,
                                       const ChatPromptParams& params);

}  // namespace herd::chat
