#include "chat/chat_prompt.h"

#include <utility>

#include "chat/tool_call_messages.h"

namespace herd::chat {

const char* const kChatMlTemplate =
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

namespace {

Result<std::string> render_once(const Template& tmpl, nlohmann::ordered_json messages, const ChatPromptParams& params,
                                TemplateError* error) {
  nlohmann::ordered_json context = {{"messages", std::move(messages)},
                                    {"add_generation_prompt", params.add_generation_prompt},
                                    {"bos_token", params.bos_token},
                                    {"eos_token", params.eos_token}};
  if (!params.tools.is_null()) context["tools"] = params.tools;
  if (params.extra_context.is_object()) {
    for (const auto& [key, value] : params.extra_context.items()) {
      if (!context.contains(key)) context[key] = value;
    }
  }
  return tmpl.render(context, params.render, error);
}

bool is_role(const nlohmann::ordered_json& message, const char* role) {
  return message.is_object() && message.contains("role") && message["role"] == role;
}

// The conversation with a leading system message merged into the first user message;
// an empty array when there is nothing to fold.
nlohmann::ordered_json fold_system(const nlohmann::ordered_json& messages) {
  if (!messages.is_array() || messages.size() < 2 || !is_role(messages[0], "system") ||
      !is_role(messages[1], "user") || !messages[0]["content"].is_string() || !messages[1]["content"].is_string()) {
    return nlohmann::ordered_json::array();
  }
  nlohmann::ordered_json folded = nlohmann::ordered_json::array();
  for (size_t i = 1; i < messages.size(); ++i) folded.push_back(messages[i]);
  folded[0]["content"] =
      messages[0]["content"].get<std::string>() + "\n\n" + messages[1]["content"].get<std::string>();
  return folded;
}

}  // namespace

Result<std::string> render_chat_prompt(const Template& tmpl, const nlohmann::ordered_json& messages,
                                       const ChatPromptParams& params) {
  TemplateError error;
  Result<std::string> r = internal_error("no conversation to render");
  // Each shape of the tool calls in turn (one shape without them); the first that renders wins.
  for (const nlohmann::ordered_json& shape : tool_call_message_variants(messages)) {
    r = render_once(tmpl, shape, params, &error);
    if (r.ok()) return r;
    if (error.kind == TemplateError::Kind::kRaised) {
      nlohmann::ordered_json folded = fold_system(shape);
      if (!folded.empty()) {
        Result<std::string> f = render_once(tmpl, std::move(folded), params, &error);
        if (f.ok()) return f;
        r = std::move(f);
      }
    }
  }
  if (error.kind != TemplateError::Kind::kRaised) return r;
  return invalid_argument("the chat template refused the conversation: " + r.status().message());
}

}  // namespace herd::chat
