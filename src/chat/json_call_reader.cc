// The JSON tool-call block: Hermes/Qwen <tool_call>{...}</tool_call>, Llama 3's bare or
// <|python_tag|> object, the generic fallback, and Mistral's [...] array (via the Mistral reader).
#include "chat/json_value_scanner.h"
#include "chat/output_text_scan.h"
#include "chat/tool_call_reader.h"

namespace herd::chat {
namespace {

class JsonCallReader : public ToolCallReader {
 public:
  JsonCallReader(CallShape shape, std::string close_tag) : shape_(shape), close_tag_(std::move(close_tag)) {}

  ReadResult advance(std::string_view block, bool at_end) override {
    while (state_ != State::kAfterValue && pos_ < block.size()) {
      const char c = block[pos_];
      if (state_ == State::kLead) {
        if (is_json_space(c)) {
          ++pos_;
          continue;
        }
        if (c != opening_char()) return broken(pos_);
        state_ = State::kValue;
        value_start_ = pos_;
      }
      ++pos_;
      const JsonValueScanner::Step step = scanner_.step(c);
      if (step == JsonValueScanner::Step::kError) return broken(pos_);
      if (step == JsonValueScanner::Step::kDone) {
        if (ReadResult r = take_value(block.substr(value_start_, pos_ - value_start_));
            r.kind == ReadResult::Kind::kBroken) {
          return r;
        }
        state_ = State::kAfterValue;
        value_end_ = pos_;
      }
    }
    if (state_ == State::kAfterValue) return after_value(block, at_end);
    return at_end ? broken(block.size()) : ReadResult{};
  }

 private:
  enum class State { kLead, kValue, kAfterValue };

  char opening_char() const { return shape_ == CallShape::kArray ? '[' : '{'; }

  ReadResult broken(size_t consumed) const { return {ReadResult::Kind::kBroken, consumed, {}}; }

  ReadResult take_value(std::string_view text) {
    std::optional<ToolJson> value = parse_tool_json(text);
    if (!value) return broken(pos_);
    Result<std::vector<ParsedCall>> calls = calls_from_json(*value, shape_);
    if (!calls.ok()) return broken(pos_);
    calls_ = std::move(calls).value();
    return {};
  }

  // The value is a call; the close tag, when this block has one, is eaten if it follows.
  ReadResult after_value(std::string_view block, bool at_end) {
    if (close_tag_.empty()) return complete(value_end_);
    const size_t tag = skip_json_space(block, value_end_);
    const std::string_view rest = block.substr(tag);
    if (rest.substr(0, close_tag_.size()) == close_tag_) return complete(tag + close_tag_.size());
    const bool maybe_tag =
        rest.size() < close_tag_.size() && std::string_view(close_tag_).substr(0, rest.size()) == rest;
    if (maybe_tag && !at_end) return {};
    return complete(value_end_);
  }

  ReadResult complete(size_t consumed) { return {ReadResult::Kind::kComplete, consumed, std::move(calls_)}; }

  CallShape shape_;
  std::string close_tag_;
  State state_ = State::kLead;
  JsonValueScanner scanner_;
  size_t pos_ = 0;
  size_t value_start_ = 0;
  size_t value_end_ = 0;
  std::vector<ParsedCall> calls_;
};

}  // namespace

std::unique_ptr<ToolCallReader> make_json_call_reader(CallShape shape, std::string close_tag) {
  return std::make_unique<JsonCallReader>(shape, std::move(close_tag));
}

}  // namespace herd::chat
