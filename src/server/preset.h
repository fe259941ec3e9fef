// What a preset (runtime/model_spec.h) changes in a request: its params become the
// defaults of the request's unset fields, and its system prompt and few-shot turns go
// before the request's messages.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "runtime/model_spec.h"
#include "server/openai_request.h"

namespace herd::server {

// The preset's params under OpenAI's field names (num_predict becomes max_tokens;
// num_ctx sizes the engine and is not a request field; unknown keys are dropped).
nlohmann::json preset_request_defaults(const ModelPreset& preset);

// The conversation the model sees: the preset's system prompt, its few-shot turns, then
// the request's messages. A request that starts with its own system message has it
// joined after the preset's, in one system message (a blank line between), because
// many chat templates accept a system message only in first place.
std::vector<ChatMessage> with_preset_messages(const ModelPreset& preset, std::vector<ChatMessage> messages);

}  // namespace herd::server
