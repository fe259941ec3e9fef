#include "chat/tool_call_json.h"

#include "chat/json_value_scanner.h"

namespace herd::chat {
namespace {

constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxIdBytes = 64;

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// `arguments` as an object's text: an object, a string holding one (some models quote it),
// or nothing (a call without arguments).
Result<std::string> arguments_text(const ToolJson* args) {
  if (args == nullptr || args->is_null()) return std::string("{}");
  if (args->is_object()) return dump_tool_json(*args);
  if (args->is_string()) {
    std::optional<ToolJson> inner = parse_tool_json(args->get_ref<const std::string&>());
    if (inner && inner->is_object()) return dump_tool_json(*inner);
  }
  return invalid_argument("tool call arguments are not a JSON object");
}

Result<ParsedCall> call_from_object(const ToolJson& value) {
  if (!value.is_object()) return invalid_argument("a tool call is not a JSON object");
  const auto name = value.find("name");
  if (name == value.end() || !name->is_string()) return invalid_argument("a tool call has no name");
  ParsedCall call;
  call.name = name->get<std::string>();
  if (call.name.empty() || call.name.size() > kMaxNameBytes) return invalid_argument("bad tool call name");
  const ToolJson* args = nullptr;
  if (const auto it = value.find("arguments"); it != value.end())
    args = &*it;
  else if (const auto p = value.find("parameters"); p != value.end())
    args = &*p;
  HERD_ASSIGN_OR_RETURN(call.arguments, arguments_text(args));
  // The model's own id (Mistral writes 9 alphanumerics) when it is a sane one.
  if (const auto id = value.find("id"); id != value.end() && id->is_string()) {
    const std::string& text = id->get_ref<const std::string&>();
    bool sane = !text.empty() && text.size() <= kMaxIdBytes;
    for (const char c : text) sane = sane && is_id_char(c);
    if (sane) call.id = text;
  }
  return call;
}

Result<std::vector<ParsedCall>> calls_from_array(const ToolJson& value) {
  if (!value.is_array() || value.empty()) return invalid_argument("tool calls are not a non-empty array");
  std::vector<ParsedCall> calls;
  for (const ToolJson& item : value) {
    HERD_ASSIGN_OR_RETURN(ParsedCall call, call_from_object(item));
    calls.push_back(std::move(call));
  }
  return calls;
}

}  // namespace

std::optional<ToolJson> parse_tool_json(std::string_view text) {
  if (!json_depth_within(text)) return std::nullopt;
  ToolJson value = ToolJson::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::string dump_tool_json(const ToolJson& value) {
  try {
    return value.dump(-1, ' ', false, ToolJson::error_handler_t::replace);
  } catch (const std::exception&) {
    return "{}";  // unreachable with the replace handler; never let it out
  }
}

Result<std::vector<ParsedCall>> calls_from_json(const ToolJson& value, CallShape shape) {
  switch (shape) {
    case CallShape::kObject:
      break;
    case CallShape::kGeneric:
      if (value.is_object() && value.size() == 1 && value.contains("tool_calls")) {
        return calls_from_array(value.at("tool_calls"));
      }
      break;
    case CallShape::kArray:
      return calls_from_array(value);
    case CallShape::kArguments: {
      if (!value.is_object()) return invalid_argument("tool call arguments are not a JSON object");
      return std::vector<ParsedCall>{ParsedCall{"", dump_tool_json(value), ""}};
    }
  }
  HERD_ASSIGN_OR_RETURN(ParsedCall call, call_from_object(value));
  return std::vector<ParsedCall>{std::move(call)};
}

}  // namespace herd::chat
