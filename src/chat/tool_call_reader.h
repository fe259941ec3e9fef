// Readers of one tool-call block: the bytes after an opening marker ("<tool_call>",
// "[TOOL_CALLS]", "<|python_tag|>") or a bare JSON object, as they stream in. A reader only
// says where the call ends and what it holds; the parser decides what becomes of the bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/model_output_parser.h"
#include "chat/tool_call_json.h"

namespace herd::chat {

struct ReadResult {
  enum class Kind {
    kNeedMore,  // the block goes on
    kComplete,  // `calls` end the first `consumed` bytes of the block
    kBroken,    // not a call: the marker and the first `consumed` bytes are content, the rest is read again
  };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;
  std::vector<ParsedCall> calls;
};

class ToolCallReader {
 public:
  virtual ~ToolCallReader() = default;
  // `block`: every byte after the opening marker so far (each call sees the previous block
  // and more). With `at_end` no more bytes come, and the answer is kComplete or kBroken.
  virtual ReadResult advance(std::string_view block, bool at_end) = 0;
};

// A block read whole once `close_tag` arrives (or at the end, without it): parse() turns the
// bytes before the tag into calls, and a block it refuses is content up to the tag.
class ClosedBlockReader : public ToolCallReader {
 public:
  explicit ClosedBlockReader(std::string_view close_tag) : close_tag_(close_tag) {}
  ReadResult advance(std::string_view block, bool at_end) final;

 protected:
  virtual Result<std::vector<ParsedCall>> parse(std::string_view body) const = 0;

 private:
  std::string_view close_tag_;  // a constant's
  size_t search_from_ = 0;
};

// A JSON value of `shape` after optional whitespace, then optionally `close_tag` (Hermes'
// "</tool_call>"; a missing close tag is forgiven, the value is what counts).
std::unique_ptr<ToolCallReader> make_json_call_reader(CallShape shape, std::string close_tag);
// Mistral after "[TOOL_CALLS]": a JSON array of calls, or NAME[ARGS]{...}.
std::unique_ptr<ToolCallReader> make_mistral_call_reader();
// Qwen3-Coder after "<tool_call>": <function=NAME><parameter=P>VALUE</parameter>...</function>
// up to "</tool_call>". `types` (kept by the caller, may be empty) says which values are strings.
std::unique_ptr<ToolCallReader> make_qwen3_coder_call_reader(const ToolParameterTypes& types);
// DeepSeek-R1 after "<｜tool▁calls▁begin｜>", up to "<｜tool▁calls▁end｜>".
std::unique_ptr<ToolCallReader> make_deepseek_call_reader();

}  // namespace herd::chat
