// The JSON body of one streaming request, for /v1/completions or /v1/chat/completions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "prompt_source.h"

namespace herd::load {

enum class Api { kCompletions, kChat };

struct BodyParams {
  Api api = Api::kCompletions;
  std::string model;
  int max_tokens = 128;
  double temperature = 0;
  // Chat: sent as response_format {"type": "json_schema", ...}; null: unconstrained.
  nlohmann::json json_schema;
};

// Completions send prefix + "\n" + suffix as the prompt; chat sends the prefix as
// the system message and the suffix as the user message. Always streams, asks for
// usage in the last chunk, and sets ignore_eos (llama-server's extension; servers
// that do not know it ignore it) so every request generates max_tokens.
std::string request_body(const BodyParams& params, const Prompt& prompt);

const char* api_path(Api api);

}  // namespace herd::load
