#include "runtime/chat_tokens.h"

#include <string>

#include "tokenizer/control_text_escaper.h"

namespace herd {

Status escape_strings(ControlTextEscaper& escaper, nlohmann::ordered_json& value) {
  if (value.is_string()) {
    HERD_ASSIGN_OR_RETURN(std::string escaped, escaper.escape(value.get_ref<const std::string&>()));
    value = std::move(escaped);
  } else if (value.is_structured()) {
    for (auto& item : value) {
      HERD_RETURN_IF_ERROR(escape_strings(escaper, item));
    }
  }
  return Status();
}

Result<std::vector<int32_t>> tokenize_chat(const Tokenizer& tokenizer, const chat::Template& tmpl,
                                           const nlohmann::ordered_json& messages, const ChatTokensParams& params) {
  std::vector<int32_t> ids;
  if (params.parse_special_in_messages) {
    HERD_ASSIGN_OR_RETURN(std::string text, chat::render_chat_prompt(tmpl, messages, params.prompt));
    ids = tokenizer.encode(text, /*add_special=*/false, /*parse_special=*/true);
  } else {
    ControlTextEscaper escaper(tokenizer);
    nlohmann::ordered_json escaped = messages;
    HERD_RETURN_IF_ERROR(escape_strings(escaper, escaped));
    // Tool definitions and template kwargs come from the client too: text, never markup.
    chat::ChatPromptParams prompt = params.prompt;
    HERD_RETURN_IF_ERROR(escape_strings(escaper, prompt.tools));
    HERD_RETURN_IF_ERROR(escape_strings(escaper, prompt.extra_context));
    HERD_ASSIGN_OR_RETURN(std::string text, chat::render_chat_prompt(tmpl, escaped, prompt));
    ids = escaper.encode(text);
  }
  // Most templates write {{ bos_token }} themselves; add it only when they did not.
  const Vocab& vocab = tokenizer.vocab();
  if (vocab.add_bos() && vocab.valid_id(vocab.bos_id()) && (ids.empty() || ids[0] != vocab.bos_id())) {
    ids.insert(ids.begin(), vocab.bos_id());
  }
  return ids;
}

}  // namespace herd
