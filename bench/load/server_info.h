// Small queries made once before a run: which model the server offers, and how
// many tokens a text is (to size shared prefixes).
#pragma once

#include <optional>
#include <string>

namespace herd::load {

// The first model id from GET /v1/models, or nothing when the call fails.
std::optional<std::string> first_model_id(const std::string& url, const std::string& api_key = "");

// Token count of `text` from POST /tokenize ({"content": text} -> {"tokens": [...]},
// the shape llama-server and herd share), or nothing when the server lacks it.
std::optional<int> count_tokens(const std::string& url, const std::string& text, const std::string& api_key = "");

}  // namespace herd::load
