// From a parsed OpenAI request to the engine's GenerationRequest: the chat template is
// applied, the prompt tokenized, and its length checked against the context, so the
// client learns about a too-long prompt as a 400 naming the field, before any queueing.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "runtime/request.h"
#include "server/openai_request.h"
#include "server/served_model.h"

namespace herd::server {

// Chat: messages through the template; the template's markup becomes special tokens, the
// messages' text stays text (unless model.chat_parse_special); BOS added when the vocab
// wants one and the template did not write it (runtime/chat_tokens.h). Completions: the text as given (BOS per the
// vocab), or the ids as given. Errors (kInvalidArgument, *error_param set): an empty
// prompt, an id outside [0, n_vocab), a prompt of n_ctx tokens or more, prompt +
// max_tokens beyond n_ctx, a template that refuses the conversation.
Result<GenerationRequest> build_generation_request(const OpenAiRequest& request, const ServedModel& model,
                                                   int32_t n_ctx, int32_t n_vocab, std::string* error_param);

// The last tokens of a prompt as text, special tokens included: whether the template's
// generation prompt opened a think block (chat::prompt_opens_reasoning).
std::string prompt_tail(const Tokenizer& tok, std::span<const int32_t> prompt);

// The chat prompt text alone, as the model sees it (for tests and for tokenizing a
// conversation).
Result<std::string> render_messages(const OpenAiRequest& request, const ServedModel& model);

}  // namespace herd::server
