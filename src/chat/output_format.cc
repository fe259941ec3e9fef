// Which tool-call format and think tags a chat template's model writes, read off the
// template's source: each family spells its calls (or the instructions for them) in it.
#include "chat/model_output_parser.h"
#include "chat/output_text_scan.h"

namespace herd::chat {
namespace {

bool has(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

ToolCallFormat detect_tools(std::string_view source) {
  if (has(source, "<parameter=")) return ToolCallFormat::kQwen3Coder;
  if (has(source, "<tool_call>")) return ToolCallFormat::kHermes;  // Hermes 2/3, Qwen2.5, Qwen3
  if (has(source, "[TOOL_CALLS]") || has(source, "[SYSTEM_PROMPT]")) return ToolCallFormat::kMistral;
  // Llama 3.1-3.3 ask for {"name": ..., "parameters": ...} (3.1 also has <|python_tag|>).
  // Functionary v3.1 has <|python_tag|> too but writes <function=NAME>: not this format.
  const bool llama3_json = has(source, "\"parameters\": dictionary of argument name");
  if (llama3_json || (has(source, "<|python_tag|>") && !has(source, "<function="))) return ToolCallFormat::kLlama3;
  if (has(source,
          "tool\xE2\x96\x81"
          "calls\xE2\x96\x81"
          "begin"))
    return ToolCallFormat::kDeepSeekR1;
  if (has(source, "tools") || has(source, "tool_calls")) return ToolCallFormat::kGeneric;
  return ToolCallFormat::kNone;
}

struct ThinkTags {
  std::string_view open, close;
};
constexpr ThinkTags kThinkTags[] = {{"<think>", "</think>"}, {"<thought>", "</thought>"}};

}  // namespace

OutputFormat detect_output_format(std::string_view template_source) {
  OutputFormat format;
  format.tools = detect_tools(template_source);
  for (const ThinkTags& tags : kThinkTags) {
    if (has(template_source, tags.open) || has(template_source, tags.close)) {
      format.reasoning = true;
      format.reasoning_open = std::string(tags.open);
      format.reasoning_close = std::string(tags.close);
      break;
    }
  }
  return format;
}

ToolParameterTypes tool_parameter_types(const nlohmann::ordered_json& tools) {
  ToolParameterTypes types;
  if (!tools.is_array()) return types;
  for (const auto& tool : tools) {
    if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object()) continue;
    const auto& function = tool["function"];
    if (!function.contains("name") || !function["name"].is_string()) continue;
    std::map<std::string, std::string>& params = types[function["name"].get<std::string>()];
    if (!function.contains("parameters") || !function["parameters"].is_object()) continue;
    const auto& schema = function["parameters"];
    if (!schema.contains("properties") || !schema["properties"].is_object()) continue;
    for (const auto& [name, property] : schema["properties"].items()) {
      if (!property.is_object() || !property.contains("type")) continue;
      const auto& type = property["type"];
      if (type.is_string())
        params[name] = type.get<std::string>();
      else if (type.is_array() && !type.empty() && type[0].is_string())
        params[name] = type[0].get<std::string>();
    }
  }
  return types;
}

bool prompt_opens_reasoning(std::string_view rendered_prompt) {
  size_t end = rendered_prompt.size();
  while (end > 0 && is_json_space(rendered_prompt[end - 1])) --end;
  const std::string_view trimmed = rendered_prompt.substr(0, end);
  for (const ThinkTags& tags : kThinkTags) {
    if (trimmed.ends_with(tags.open)) return true;
  }
  return false;
}

}  // namespace herd::chat
