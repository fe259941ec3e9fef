// Mistral's tool calls after "[TOOL_CALLS]": a JSON array of {"name", "arguments", "id"}
// (v0.3, Nemo), or NAME[ARGS]{...} (the newer tokenizers), one marker per call.
#include "chat/output_text_scan.h"
#include "chat/tool_call_reader.h"

namespace herd::chat {
namespace {

constexpr std::string_view kArgsTag = "[ARGS]";
constexpr size_t kMaxNameBytes = 256;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

class MistralCallReader : public ToolCallReader {
 public:
  ReadResult advance(std::string_view block, bool at_end) override {
    if (!inner_) {
      ReadResult start = choose_form(block, at_end);
      if (!inner_) return start;
    }
    ReadResult result = inner_->advance(block.substr(offset_), at_end);
    result.consumed += offset_;
    if (result.kind == ReadResult::Kind::kComplete && !name_.empty()) {
      for (ParsedCall& call : result.calls) call.name = name_;
    }
    return result;
  }

 private:
  // Sets inner_ once the block shows which form it is; otherwise says to wait or gives up.
  ReadResult choose_form(std::string_view block, bool at_end) {
    const size_t start = skip_json_space(block);
    if (start == block.size()) return at_end ? broken(block.size()) : ReadResult{};
    if (block[start] == '[') {
      inner_ = make_json_call_reader(CallShape::kArray, "");
      return {};
    }
    size_t end = start;
    while (end < block.size() && end - start <= kMaxNameBytes && is_name_char(block[end])) ++end;
    if (end == start || end - start > kMaxNameBytes) return broken(end);
    const std::string_view rest = block.substr(end);
    if (rest.substr(0, kArgsTag.size()) == kArgsTag) {
      name_ = std::string(block.substr(start, end - start));
      offset_ = end + kArgsTag.size();
      inner_ = make_json_call_reader(CallShape::kArguments, "");
      return {};
    }
    const bool maybe_tag = rest.size() < kArgsTag.size() && kArgsTag.substr(0, rest.size()) == rest;
    return maybe_tag && !at_end ? ReadResult{} : broken(end);
  }

  static ReadResult broken(size_t consumed) { return {ReadResult::Kind::kBroken, consumed, {}}; }

  std::unique_ptr<ToolCallReader> inner_;
  size_t offset_ = 0;
  std::string name_;
};

}  // namespace

std::unique_ptr<ToolCallReader> make_mistral_call_reader() { return std::make_unique<MistralCallReader>(); }

}  // namespace herd::chat
