// Qwen3-Coder's XML-like tool call, read whole once "</tool_call>" arrives:
//   <function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n...</function>
// VALUE is the text between the tags less one newline each side; it becomes the JSON value it
// spells when it is one other than a string (42, true, null, [..], {..}), else a string.
// Without a schema "42" meant as a string becomes a number: the template writes values bare.
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

ToolJson parameter_value(std::string_view text) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::optional<ToolJson> value = parse_tool_json(text);
  if (value && !value->is_string()) return std::move(*value);
  return ToolJson(std::string(text));
}

Result<ParsedCall> parse_body(std::string_view body) {
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
    arguments[parameter] = parameter_value(body.substr(pos, end - pos));
    pos = end + 12;
  }
  call.arguments = dump_tool_json(arguments);
  return call;
}

class Qwen3CoderCallReader : public ClosedBlockReader {
 public:
  Qwen3CoderCallReader() : ClosedBlockReader(kCloseTag) {}

 protected:
  Result<std::vector<ParsedCall>> parse(std::string_view body) const override {
    HERD_ASSIGN_OR_RETURN(ParsedCall call, parse_body(body));
    return std::vector<ParsedCall>{std::move(call)};
  }
};

}  // namespace

std::unique_ptr<ToolCallReader> make_qwen3_coder_call_reader() { return std::make_unique<Qwen3CoderCallReader>(); }

}  // namespace herd::chat
