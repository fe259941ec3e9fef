// DeepSeek-R1's tool calls, read whole once "<｜tool▁calls▁end｜>" arrives (or at the end):
//   <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{ARGUMENTS}\n```<｜tool▁call▁end｜>
// repeated, newlines between. The bars and the low line are the full-width U+FF5C and U+2581.
#include "chat/json_value_scanner.h"
#include "chat/output_text_scan.h"
#include "chat/tool_call_reader.h"

namespace herd::chat {
namespace {

constexpr std::string_view kCallBegin =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
constexpr std::string_view kSep = "<\xEF\xBD\x9Ctool\xE2\x96\x81sep\xEF\xBD\x9C>";
constexpr std::string_view kCallEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kCallsEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kFence = "```";
constexpr size_t kMaxNameBytes = 256;

bool take(std::string_view body, size_t& pos, std::string_view what) {
  if (body.substr(pos, what.size()) != what) return false;
  pos += what.size();
  return true;
}

// One call at `pos` (after whitespace), leaving `pos` after its end tag.
Result<ParsedCall> read_call(std::string_view body, size_t& pos) {
  if (!take(body, pos, kCallBegin)) return invalid_argument("no tool call begin");
  const size_t sep = body.find(kSep, pos);  // what comes before is the type ("function")
  if (sep == std::string_view::npos) return invalid_argument("no tool separator");
  pos = sep + kSep.size();
  const size_t line_end = body.find('\n', pos);
  if (line_end == std::string_view::npos || line_end == pos || line_end - pos > kMaxNameBytes) {
    return invalid_argument("no tool name line");
  }
  const std::string name(body.substr(pos, line_end - pos));
  pos = skip_json_space(body, line_end);
  if (!take(body, pos, "```json")) take(body, pos, kFence);
  pos = skip_json_space(body, pos);
  const size_t end = json_value_end(body, pos);
  if (end == std::string_view::npos) return invalid_argument("arguments are no JSON object");
  std::optional<ToolJson> args = parse_tool_json(body.substr(pos, end - pos));
  if (!args) return invalid_argument("arguments are no JSON");
  HERD_ASSIGN_OR_RETURN(std::vector<ParsedCall> calls, calls_from_json(*args, CallShape::kArguments));
  pos = skip_json_space(body, end);
  take(body, pos, kFence);
  pos = skip_json_space(body, pos);
  if (!take(body, pos, kCallEnd)) return invalid_argument("no tool call end");
  calls[0].name = name;
  return std::move(calls[0]);
}

class DeepSeekCallReader : public ClosedBlockReader {
 public:
  DeepSeekCallReader() : ClosedBlockReader(kCallsEnd) {}

 protected:
  Result<std::vector<ParsedCall>> parse(std::string_view body) const override {
    std::vector<ParsedCall> calls;
    for (size_t pos = skip_json_space(body); pos < body.size(); pos = skip_json_space(body, pos)) {
      HERD_ASSIGN_OR_RETURN(ParsedCall call, read_call(body, pos));
      calls.push_back(std::move(call));
    }
    if (calls.empty()) return invalid_argument("no tool calls");
    return calls;
  }
};

}  // namespace

std::unique_ptr<ToolCallReader> make_deepseek_call_reader() { return std::make_unique<DeepSeekCallReader>(); }

}  // namespace herd::chat
