#include "request_body.h"

#include <nlohmann/json.hpp>

namespace herd::load {

const char* api_path(Api api) {
  return api == Api::kChat ? "/v1/chat/completions" : "/v1/completions";
}

std::string request_body(const BodyParams& params, const Prompt& prompt) {
  nlohmann::json body = {
      {"model", params.model},
      {"max_tokens", params.max_tokens},
      {"temperature", params.temperature},
      {"stream", true},
      {"stream_options", {{"include_usage", true}}},
      {"ignore_eos", true},
  };
  if (params.api == Api::kChat) {
    auto messages = nlohmann::json::array();
    if (!prompt.prefix.empty()) messages.push_back({{"role", "system"}, {"content", prompt.prefix}});
    messages.push_back({{"role", "user"}, {"content", prompt.suffix}});
    body["messages"] = std::move(messages);
    if (!params.json_schema.is_null()) {
      body["response_format"] = {{"type", "json_schema"},
                                 {"json_schema", {{"name", "bench"}, {"schema", params.json_schema}}}};
    }
  } else {
    body["prompt"] = prompt.prefix.empty() ? prompt.suffix : prompt.prefix + "\n" + prompt.suffix;
  }
  return body.dump();
}

}  // namespace herd::load
