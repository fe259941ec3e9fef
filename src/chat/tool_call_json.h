// Tool calls out of parsed JSON: the shapes models write ({"name", "arguments"}, Llama 3's
// {"name", "parameters"}, {"tool_calls": [...]}, Mistral's arrays) checked and turned into a
// name and a compact `arguments` text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace herd::chat {

// Key order as the model wrote it (ordered_json), so `arguments` keeps it.
using ToolJson = nlohmann::ordered_json;

// One call as the model wrote it; `id` empty when the model gave none (one is made up then).
struct ParsedCall {
  std::string name;
  std::string arguments;  // a JSON object, serialized compactly
  std::string id;
};

// What a tool-call JSON value must look like.
enum class CallShape {
  kObject,     // {"name", "arguments" | "parameters", "id"?}
  kGeneric,    // that, or {"tool_calls": [that, ...]}
  kArray,      // [that, ...] (Mistral)
  kArguments,  // the arguments object alone (Mistral's name[ARGS]{...}); name left empty
};

// `text` parsed as JSON: nullopt when it is not JSON or nests deeper than kMaxToolJsonDepth.
std::optional<ToolJson> parse_tool_json(std::string_view text);
// Compact serialization (invalid UTF-8 replaced, never a throw).
std::string dump_tool_json(const ToolJson& value);

// The calls `value` holds in `shape`, or why it holds none.
Result<std::vector<ParsedCall>> calls_from_json(const ToolJson& value, CallShape shape);

}  // namespace herd::chat
