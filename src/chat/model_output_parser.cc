// The streaming core: content, reasoning and tool-call blocks, switched by markers. Every
// decision depends only on the bytes seen, never on how they were split: text that may
// still turn into a marker waits (at most a marker's length), a tool call waits whole.
#include "chat/model_output_parser.h"

#include <algorithm>

#include "chat/output_text_scan.h"
#include "chat/tool_call_id.h"
#include "chat/tool_call_reader.h"
#include "tokenizer/utf8.h"

namespace herd::chat {
namespace {

constexpr std::string_view kHermesOpen = "<tool_call>";
constexpr std::string_view kHermesClose = "</tool_call>";
constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kMistralOpen = "[TOOL_CALLS]";
constexpr std::string_view kDeepSeekOpen =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";

bool has_text(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return !is_json_space(c); });
}

}  // namespace

struct ModelOutputParser::Impl {
  enum class Mode { kContent, kReasoning, kCall };

  explicit Impl(const OutputFormat& f) : format(f), ids(f.call_id_seed) {
    if (format.reasoning && !format.reasoning_open.empty() && !format.reasoning_close.empty()) {
      content_markers.push_back(format.reasoning_open);
      reasoning_markers.push_back(format.reasoning_close);
      if (format.starts_in_reasoning) {  // as if the prompt's open tag had just been read
        mode = Mode::kReasoning;
        skip_space = true;
      }
    }
    switch (format.tools) {
      case ToolCallFormat::kHermes:
      case ToolCallFormat::kQwen3Coder:
        content_markers.emplace_back(kHermesOpen);
        break;
      case ToolCallFormat::kLlama3:
        content_markers.emplace_back(kPythonTag);
        bare_json_allowed = true;
        break;
      case ToolCallFormat::kMistral:
        content_markers.emplace_back(kMistralOpen);
        break;
      case ToolCallFormat::kDeepSeekR1:
        content_markers.emplace_back(kDeepSeekOpen);
        break;
      case ToolCallFormat::kGeneric:
        bare_json_allowed = true;
        break;
      case ToolCallFormat::kNone:
        break;
    }
  }

  OutputDelta run(std::string_view text, bool at_end) {
    if (finished) return {};
    pending.append(text);
    while (step(at_end)) {
    }
    finished = at_end;
    OutputDelta out = std::move(delta);
    delta = OutputDelta();
    return out;
  }

  // One decision on the pending bytes; false when nothing more can be decided now.
  bool step(bool at_end) {
    const size_t limit = at_end ? pending.size() : utf8_complete_prefix(pending);
    const std::string_view avail(pending.data(), limit);
    if (mode == Mode::kCall) return step_call(avail, at_end);
    if (skip_space || skip_separators) {
      size_t n = 0;
      while (n < avail.size() && (is_json_space(avail[n]) || (skip_separators && avail[n] == ';'))) ++n;
      pending.erase(0, n);
      if (n == avail.size()) return false;
      skip_space = skip_separators = false;
      return true;
    }
    if (mode == Mode::kContent && bare_json_allowed) {
      const size_t first = skip_json_space(avail);
      if (first < avail.size() && avail[first] == '{') {
        emit(std::string(avail.substr(0, first)));
        pending.erase(0, first);
        start_call("", format.tools == ToolCallFormat::kGeneric ? CallShape::kGeneric : CallShape::kObject);
        return true;
      }
    }
    const std::vector<std::string>& markers = mode == Mode::kReasoning ? reasoning_markers : content_markers;
    const MarkerMatch match = find_first_marker(avail, markers);
    if (match.pos != std::string_view::npos) {
      const std::string marker = markers[match.index];
      emit(std::string(avail.substr(0, match.pos)));
      pending.erase(0, match.pos + marker.size());
      on_marker(marker);
      return true;
    }
    const size_t hold = at_end ? 0 : partial_marker_suffix(avail, markers);
    emit(std::string(avail.substr(0, avail.size() - hold)));
    pending.erase(0, avail.size() - hold);
    return false;
  }

  void on_marker(const std::string& marker) {
    if (mode == Mode::kReasoning) {  // its only marker closes the think block
      mode = Mode::kContent;
      skip_space = true;
    } else if (format.reasoning && marker == format.reasoning_open) {
      mode = Mode::kReasoning;
      skip_space = true;
    } else if (format.tools == ToolCallFormat::kQwen3Coder) {
      start_call(marker, make_qwen3_coder_call_reader(format.parameter_types));
    } else if (format.tools == ToolCallFormat::kMistral) {
      start_call(marker, make_mistral_call_reader());
    } else if (format.tools == ToolCallFormat::kDeepSeekR1) {
      start_call(marker, make_deepseek_call_reader());
    } else {
      const bool hermes = format.tools == ToolCallFormat::kHermes;
      start_call(marker, make_json_call_reader(CallShape::kObject, hermes ? std::string(kHermesClose) : ""));
    }
  }

  void start_call(std::string marker, CallShape shape) {
    start_call(std::move(marker), make_json_call_reader(shape, ""));
  }
  void start_call(std::string marker, std::unique_ptr<ToolCallReader> r) {
    mode = Mode::kCall;
    opener = std::move(marker);
    reader = std::move(r);
  }

  bool step_call(std::string_view block, bool at_end) {
    // The limit cuts the block at a fixed place, so the reader decides the same however the
    // bytes came: a call still open at the limit is given up.
    const bool over = block.size() > kMaxToolCallBytes;
    if (over) block = block.substr(0, kMaxToolCallBytes);
    ReadResult result = reader->advance(block, at_end && !over);
    if (result.kind == ReadResult::Kind::kNeedMore) {
      if (!at_end && !over) return false;
      result = {ReadResult::Kind::kBroken, block.size(), {}};
    }
    if (result.kind == ReadResult::Kind::kComplete && message.tool_calls.size() + result.calls.size() > kMaxToolCalls) {
      result.kind = ReadResult::Kind::kBroken;
    }
    mode = Mode::kContent;
    reader.reset();
    const size_t consumed = std::min(std::max<size_t>(result.consumed, opener.empty() ? 1 : 0), pending.size());
    if (result.kind == ReadResult::Kind::kComplete) {
      for (ParsedCall& call : result.calls) add_call(std::move(call));
      skip_space = true;
      skip_separators = format.tools == ToolCallFormat::kLlama3;
      bare_json_allowed = format.tools == ToolCallFormat::kLlama3;
    } else {
      emit(opener + pending.substr(0, consumed));
    }
    pending.erase(0, consumed);
    return true;
  }

  void add_call(ParsedCall call) {
    const auto taken = [&](const std::string& id) {
      return std::any_of(message.tool_calls.begin(), message.tool_calls.end(),
                         [&](const ToolCall& c) { return c.id == id; });
    };
    if (call.id.empty() || taken(call.id)) {
      do call.id = ids.next();
      while (taken(call.id));
    }
    const int index = static_cast<int>(message.tool_calls.size());
    delta.tool_calls.push_back({index, call.id, call.name, ""});
    delta.tool_calls.push_back({index, std::nullopt, std::nullopt, call.arguments});
    message.tool_calls.push_back({std::move(call.id), std::move(call.name), std::move(call.arguments)});
  }

  // Text for the current channel (reasoning inside a think block, else content).
  void emit(const std::string& text) {
    if (text.empty()) return;
    if (mode == Mode::kReasoning) {
      message.reasoning += text;
      delta.reasoning += text;
      return;
    }
    message.content += text;
    delta.content += text;
    if (has_text(text)) bare_json_allowed = false;
  }

  OutputFormat format;
  std::vector<std::string> content_markers;
  std::vector<std::string> reasoning_markers;
  Mode mode = Mode::kContent;
  std::string pending;             // bytes not decided yet (in a call: the call's block)
  bool skip_space = false;         // whitespace after a marker or a call is dropped
  bool skip_separators = false;    // so are ';' between Llama 3 calls
  bool bare_json_allowed = false;  // a '{' here opens a call (Llama 3, generic: before any text)
  bool finished = false;
  std::string opener;  // the marker that opened the current call
  std::unique_ptr<ToolCallReader> reader;
  ToolCallIds ids;
  ParsedOutput message;
  OutputDelta delta;
};

ModelOutputParser::ModelOutputParser(const OutputFormat& format) : impl_(std::make_unique<Impl>(format)) {}
ModelOutputParser::~ModelOutputParser() = default;
ModelOutputParser::ModelOutputParser(ModelOutputParser&&) noexcept = default;
ModelOutputParser& ModelOutputParser::operator=(ModelOutputParser&&) noexcept = default;

OutputDelta ModelOutputParser::feed(std::string_view text) { return impl_->run(text, false); }
OutputDelta ModelOutputParser::finish() { return impl_->run({}, true); }
const ParsedOutput& ModelOutputParser::message() const { return impl_->message; }

}  // namespace herd::chat
