// A conversation to prompt token ids, the one way the server and `herd chat` both do it:
// the messages rendered through the chat template, the template's own markup tokenized
// with special tokens and the messages' text as plain text (see
// tokenizer/control_text_escaper.h), and BOS added when the vocab wants one and the
// template did not write it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/status.h"
#include "chat/chat_prompt.h"
#include "tokenizer/control_text_escaper.h"
#include "tokenizer/tokenizer.h"

namespace herd {

// Escapes every string value (not the keys) of `value`, at any depth.
Status escape_strings(ControlTextEscaper& escaper, nlohmann::ordered_json& value);

struct ChatTokensParams {
  chat::ChatPromptParams prompt;
  // The old, unsafe behaviour for operators who want it: special-token texts inside the
  // messages become special tokens too.
  bool parse_special_in_messages = false;
};

// Errors: those of chat::render_chat_prompt (kInvalidArgument when the template refuses
// the conversation), and kInvalidArgument when the messages cannot be escaped.
Result<std::vector<int32_t>> tokenize_chat(const Tokenizer& tokenizer, const chat::Template& tmpl,
                                           const nlohmann::ordered_json& messages, const ChatTokensParams& params);

}  // namespace herd
