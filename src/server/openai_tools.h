// The tool-calling and reasoning fields of a chat request, parsed and validated: `tools`,
// `tool_choice`, `parallel_tool_calls`, assistant `tool_calls` and `tool` results in the
// conversation, `chat_template_kwargs` and `reasoning_effort`. They end up in the chat
// template's context (tools, messages, kwargs such as enable_thinking) and, for tool_choice
// "required" or a named function, in a grammar that forces a call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace herd::server {

struct ToolChoice {
  enum class Mode { kAuto, kNone, kRequired, kNamed };
  Mode mode = Mode::kAuto;
  std::string name;  // kNamed
};

struct ToolsRequest {
  nlohmann::ordered_json tools;  // the request's list as given (validated); null: no tools
  ToolChoice choice;             // kNone when there are no tools
  bool parallel_tool_calls = true;
  nlohmann::ordered_json template_kwargs = nlohmann::ordered_json::object();  // chat_template_kwargs
};

// From the request body. kInvalidArgument with *param naming the field: a tool that is not
// {"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}, a name
// outside [a-zA-Z0-9_-]{1,64} or given twice, more than 128 tools, parameters that are not an
// object, a tool_choice naming no tool or asking for tools when there are none.
// reasoning_effort "none" (or "minimal") sets enable_thinking false unless the kwargs say.
Result<ToolsRequest> parse_tools_request(const nlohmann::ordered_json& body, std::string* param);

// An assistant message's `tool_calls`, checked: [{"id", "type": "function", "function":
// {"name", "arguments": string}}]; kept as given for the template.
Result<nlohmann::ordered_json> parse_message_tool_calls(const nlohmann::ordered_json& tool_calls, const std::string& name,
                                                        std::string* param);

}  // namespace herd::server
