// Qwen3-Coder's XML-like tool call, read whole once "</tool_call>" arrives:
//   <function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n...</function>
// VALUE is the text between the tags less one newline each side. The template writes values
// bare, so a string parameter (per the request's schema) keeps its text as it is; any other
// becomes the JSON value the text spells (42, true, null, [..], {..}) when it spells one other
// than a string, else a string. Without a schema "42" meant as a string becomes a number.
#include "chat/output_text_scan.h"
#include "chat/tool_call_reader.h"

namespace herd::chat {
namespace {

constexpr std::string_view kCloseTag = "</tool_call>";
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxParameters = 1024;

// Reads "<PREFIX=NAME>" at `pos`, leaving `pos` after it.
bool read_named_tag(std::string_view body, std::string_view prefix, size_t& pos, std::string& name) {
  if (body.substr(pos, prefix.size()) != prefix) return false;
  const size_t start = pos + prefix.size();
  const size_t end = body.find('>', start);
  if (end == std::string_view::npos || end == start || end - start > kMaxNameBytes) return false;
  name = std::string(body.substr(start, end - start));
  if (name.find('\n') != std::string::npos) return false;
  pos = end + 1;
  return true;
}

ToolJson parameter_value(std::string_view text, const std::string* type) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (type != nullptr && *type == "string") return ToolJson(std::string(text));
  std::optional<ToolJson> value = parse_tool_json(text);
  if (value && !value->is_string()) return std::move(*value);
  return ToolJson(std::string(text));
}

// The schema type of `parameter` of `function`, or nullptr when the request did not say.
const std::string* type_of(const ToolParameterTypes& types, const std::string& function, const std::string& parameter) {
  const auto tool = types.find(function);
  if (tool == types.end()) return nullptr;
  const auto type = tool->second.find(parameter);
  return type == tool->second.end() ? nullptr : &type->second;
}

Result<ParsedCall> parse_body(std::string_view body, const ToolParameterTypes& types) {
  size_t pos = skip_json_space(body);
  ParsedCall call;
  if (!read_named_tag(body, "<function=", pos, call.name)) return invalid_argument("no <function=NAME>");
  ToolJson arguments = ToolJson::object();
  for (size_t n = 0;; ++n) {
    pos = skip_json_space(body, pos);
    if (pos == body.size()) break;  // "</function>" forgiven at the very end
    if (body.substr(pos, 11) == "</function>") {
      if (skip_json_space(body, pos + 11) != body.size()) return invalid_argument("text after </function>");
      break;
    }
    std::string parameter;
    if (n == kMaxParameters || !read_named_tag(body, "<parameter=", pos, parameter)) {
      return invalid_argument("no <parameter=NAME>");
    }
    const size_t end = body.find("</parameter>", pos);
    if (end == std::string_view::npos) return invalid_argument("no </parameter>");
    arguments[parameter] = parameter_value(body.substr(pos, end - pos), type_of(types, call.name, parameter));
    pos = end + 12;
  }
  call.arguments = dump_tool_json(arguments);
  return call;
}

class Qwen3CoderCallReader : public ClosedBlockReader {
 public:
  explicit Qwen3CoderCallReader(const ToolParameterTypes& types) : ClosedBlockReader(kCloseTag), types_(types) {}

 protected:
  Result<std::vector<ParsedCall>> parse(std::string_view body) const override {
    HERD_ASSIGN_OR_RETURN(ParsedCall call, parse_body(body, types_));
    return std::vector<ParsedCall>{std::move(call)};
  }

 private:
  const ToolParameterTypes& types_;  // the parser's format's, which outlives this reader
};

}  // namespace

std::unique_ptr<ToolCallReader> make_qwen3_coder_call_reader(const ToolParameterTypes& types) {
  return std::make_unique<Qwen3CoderCallReader>(types);
}

}  // namespace herd::chat
