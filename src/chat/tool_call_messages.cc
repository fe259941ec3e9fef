#include "chat/tool_call_messages.h"

#include <map>
#include <string>

namespace herd::chat {
namespace {

using Json = nlohmann::ordered_json;

bool has_tool_calls(const Json& m) {
  return m.is_object() && m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty();
}

// `arguments` as an object when `as_object` and it parses to one, else as a JSON string.
Json arguments_as(const Json& arguments, bool as_object) {
  if (as_object) {
    if (arguments.is_object()) return arguments;
    if (arguments.is_string()) {
      Json parsed = Json::parse(arguments.get<std::string>(), nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object()) return parsed;
    }
    return arguments;
  }
  return arguments.is_string() ? arguments : Json(arguments.dump());
}

Json shaped(const Json& messages, bool arguments_object, bool empty_content) {
  Json out = messages;
  for (Json& m : out) {
    if (!has_tool_calls(m)) continue;
    for (Json& call : m["tool_calls"]) {
      if (call.is_object() && call.contains("function") && call["function"].is_object() &&
          call["function"].contains("arguments")) {
        call["function"]["arguments"] = arguments_as(call["function"]["arguments"], arguments_object);
      }
    }
    const bool no_text = !m.contains("content") || m["content"].is_null() ||
                         (m["content"].is_string() && m["content"].get<std::string>().empty());
    if (no_text) m["content"] = empty_content ? Json("") : Json(nullptr);
  }
  return out;
}

// Tool results name the function they answer, from the calls made before them.
Json with_tool_names(const Json& messages) {
  Json out = messages;
  std::map<std::string, std::string> name_of;
  for (Json& m : out) {
    if (has_tool_calls(m)) {
      for (const Json& call : m["tool_calls"]) {
        if (call.is_object() && call.contains("id") && call["id"].is_string() && call.contains("function") &&
            call["function"].is_object() && call["function"].contains("name") && call["function"]["name"].is_string()) {
          name_of[call["id"].get<std::string>()] = call["function"]["name"].get<std::string>();
        }
      }
    } else if (m.is_object() && m.value("role", "") == "tool" && !m.contains("name") && m.contains("tool_call_id") &&
               m["tool_call_id"].is_string()) {
      auto it = name_of.find(m["tool_call_id"].get<std::string>());
      if (it != name_of.end()) m["name"] = it->second;
    }
  }
  return out;
}

}  // namespace

std::vector<Json> tool_call_message_variants(const Json& messages) {
  bool any = false;
  if (messages.is_array()) {
    for (const Json& m : messages) any = any || has_tool_calls(m);
  }
  if (!any) return {messages};
  const Json named = with_tool_names(messages);
  return {shaped(named, true, false), shaped(named, false, false), shaped(named, true, true),
          shaped(named, false, true)};
}

}  // namespace herd::chat
