// libFuzzer target for the model output parser: arbitrary bytes as model output, in every
// format, fed whole and in pieces cut where the input says. Traps when a split run's message
// differs from the unsplit one, when the deltas do not add up to the message, or when a run
// that parsed no tool call lost a non-whitespace byte that was not a think tag.
//   byte 0: bits 0-2 the tool format (mod 7), bit 3 reasoning, bit 4 starts inside it,
//           bit 5 EXAONE's <thought> tags
//   byte 1: the seed of the cut points
//   the rest: the output text
#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "model_output_test_util.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herd::chat;
  if (size < 2 || size > 64 * 1024) return 0;
  static constexpr ToolCallFormat kFormats[] = {
      ToolCallFormat::kNone,       ToolCallFormat::kHermes,     ToolCallFormat::kLlama3, ToolCallFormat::kMistral,
      ToolCallFormat::kQwen3Coder, ToolCallFormat::kDeepSeekR1, ToolCallFormat::kGeneric};
  OutputFormat format;
  format.tools = kFormats[(data[0] & 7) % 7];
  format.reasoning = (data[0] & 0x08) != 0;
  format.starts_in_reasoning = (data[0] & 0x10) != 0;
  if (data[0] & 0x20) {
    format.reasoning_open = "<thought>";
    format.reasoning_close = "</thought>";
  }
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  std::mt19937 rng(data[1]);
  std::vector<size_t> cuts;
  const size_t n_cuts = text.empty() ? 0 : rng() % (text.size() + 1);
  for (size_t i = 0; i < n_cuts; ++i) cuts.push_back(rng() % (text.size() + 1));
  std::sort(cuts.begin(), cuts.end());

  const testing::ParserRun whole = testing::run_parser(format, text, {});
  const testing::ParserRun split = testing::run_parser(format, text, cuts);
  check(whole.error.empty() && split.error.empty());
  check(testing::same_output(whole.streamed, whole.final));
  check(testing::same_output(split.streamed, split.final));
  check(testing::same_output(split.final, whole.final));
  if (whole.final.tool_calls.empty()) {
    const std::vector<std::string> markers = testing::format_markers(format);
    check(testing::surviving_bytes(whole.final.content + " " + whole.final.reasoning, markers) ==
          testing::surviving_bytes(std::string(text), markers));
  }
  for (const ToolCall& call : whole.final.tool_calls) {
    check(!call.name.empty() && !call.id.empty() && !call.arguments.empty() && call.arguments.front() == '{');
  }
  return 0;
}
