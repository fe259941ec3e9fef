#include "server/openai_tools.h"

#include <set>

#include "server/openai_errors.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxTools = 128;
constexpr size_t kMaxToolCalls = 128;

Status bad(std::string* param, const std::string& name, const std::string& message) {
  if (param != nullptr) *param = name;
  return invalid_argument(message);
}

bool valid_function_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status parse_tool(const Json& t, const std::string& name, std::set<std::string>* names, std::string* param) {
  if (!t.is_object()) return bad(param, name, "'" + name + "' must be an object");
  auto type = t.find("type");
  if (type == t.end() || *type != "function") {
    return bad(param, name + ".type", "'" + name + ".type' must be \"function\"");
  }
  auto f = t.find("function");
  if (f == t.end() || !f->is_object()) return bad(param, name + ".function", "'" + name + ".function' must be an object");
  auto fname = f->find("name");
  if (fname == f->end() || !fname->is_string() || !valid_function_name(fname->get<std::string>())) {
    return bad(param, name + ".function.name",
               "'" + name + ".function.name' must be 1 to 64 letters, digits, underscores or dashes");
  }
  if (!names->insert(fname->get<std::string>()).second) {
    return bad(param, name + ".function.name", "the tool '" + fname->get<std::string>() + "' is defined twice");
  }
  auto desc = f->find("description");
  if (desc != f->end() && !desc->is_string() && !desc->is_null()) {
    return bad(param, name + ".function.description", "'" + name + ".function.description' must be a string");
  }
  auto params = f->find("parameters");
  if (params != f->end() && !params->is_object() && !params->is_null()) {
    return bad(param, name + ".function.parameters", "'" + name + ".function.parameters' must be a JSON schema object");
  }
  return Status();
}

Result<ToolChoice> parse_tool_choice(const Json& v, const std::set<std::string>& names, std::string* param) {
  ToolChoice c;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "auto") c.mode = ToolChoice::Mode::kAuto;
    else if (s == "none") c.mode = ToolChoice::Mode::kNone;
    else if (s == "required") c.mode = ToolChoice::Mode::kRequired;
    else return bad(param, "tool_choice", "'tool_choice' must be \"auto\", \"none\", \"required\" or a function");
  } else if (v.is_object()) {
    auto f = v.find("function");
    if (v.value("type", "") != "function" || f == v.end() || !f->is_object() || !f->contains("name") ||
        !(*f)["name"].is_string()) {
      return bad(param, "tool_choice", "'tool_choice' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
    }
    c.mode = ToolChoice::Mode::kNamed;
    c.name = (*f)["name"].get<std::string>();
    if (!names.count(c.name)) return bad(param, "tool_choice", "'tool_choice' names '" + echo(c.name) + "', which is not in 'tools'");
  } else {
    return bad(param, "tool_choice", "'tool_choice' must be a string or an object");
  }
  if (names.empty() && c.mode != ToolChoice::Mode::kNone && c.mode != ToolChoice::Mode::kAuto) {
    return bad(param, "tool_choice", "'tool_choice' asks for a tool call but 'tools' is empty");
  }
  return c;
}

}  // namespace

Result<ToolsRequest> parse_tools_request(const Json& body, std::string* param) {
  ToolsRequest out;
  std::set<std::string> names;
  auto tools = body.find("tools");
  if (tools != body.end() && !tools->is_null()) {
    if (!tools->is_array()) return bad(param, "tools", "'tools' must be a list");
    if (tools->size() > kMaxTools) return bad(param, "tools", "'tools' may hold at most 128 tools");
    for (size_t i = 0; i < tools->size(); ++i) {
      HERD_RETURN_IF_ERROR(parse_tool((*tools)[i], "tools[" + std::to_string(i) + "]", &names, param));
    }
    if (!tools->empty()) out.tools = *tools;
  }
  out.choice.mode = names.empty() ? ToolChoice::Mode::kNone : ToolChoice::Mode::kAuto;
  auto choice = body.find("tool_choice");
  if (choice != body.end() && !choice->is_null()) {
    HERD_ASSIGN_OR_RETURN(ToolChoice c, parse_tool_choice(*choice, names, param));
    if (!names.empty() || c.mode == ToolChoice::Mode::kNone) out.choice = c;
  }
  auto parallel = body.find("parallel_tool_calls");
  if (parallel != body.end() && !parallel->is_null()) {
    if (!parallel->is_boolean()) return bad(param, "parallel_tool_calls", "'parallel_tool_calls' must be true or false");
    out.parallel_tool_calls = parallel->get<bool>();
  }
  auto kwargs = body.find("chat_template_kwargs");
  if (kwargs != body.end() && !kwargs->is_null()) {
    if (!kwargs->is_object()) return bad(param, "chat_template_kwargs", "'chat_template_kwargs' must be an object");
    out.template_kwargs = *kwargs;
  }
  auto effort = body.find("reasoning_effort");
  if (effort != body.end() && !effort->is_null()) {
    if (!effort->is_string()) return bad(param, "reasoning_effort", "'reasoning_effort' must be a string");
    const std::string e = effort->get<std::string>();
    if (e != "none" && e != "minimal" && e != "low" && e != "medium" && e != "high") {
      return bad(param, "reasoning_effort", "'reasoning_effort' must be none, minimal, low, medium or high");
    }
    if ((e == "none" || e == "minimal") && !out.template_kwargs.contains("enable_thinking")) {
      out.template_kwargs["enable_thinking"] = false;
    }
  }
  return out;
}

Result<Json> parse_message_tool_calls(const Json& tool_calls, const std::string& name, std::string* param) {
  if (!tool_calls.is_array()) return bad(param, name, "'" + name + "' must be a list");
  if (tool_calls.size() > kMaxToolCalls) return bad(param, name, "'" + name + "' has more than 128 calls");
  for (size_t i = 0; i < tool_calls.size(); ++i) {
    const std::string at = name + "[" + std::to_string(i) + "]";
    const Json& c = tool_calls[i];
    if (!c.is_object()) return bad(param, at, "'" + at + "' must be an object");
    if (!c.contains("id") || !c["id"].is_string()) return bad(param, at + ".id", "'" + at + ".id' must be a string");
    if (c.contains("type") && c["type"] != "function") {
      return bad(param, at + ".type", "'" + at + ".type' must be \"function\"");
    }
    auto f = c.find("function");
    if (f == c.end() || !f->is_object() || !f->contains("name") || !(*f)["name"].is_string()) {
      return bad(param, at + ".function.name", "'" + at + ".function.name' must be a string");
    }
    if (!f->contains("arguments") || !((*f)["arguments"].is_string() || (*f)["arguments"].is_object())) {
      return bad(param, at + ".function.arguments", "'" + at + ".function.arguments' must be a JSON string");
    }
  }
  return tool_calls;
}

}  // namespace herd::server
