// Random outputs (made of marker pieces, JSON punctuation, UTF-8 and raw bytes, as a
// random-weight model might write) fed in random splits, in every format:
//   - nothing crashes or throws;
//   - the message is the same as from the unsplit text, and the deltas add up to it;
//   - when no tool call was parsed, no byte is lost: the non-whitespace bytes of content and
//     reasoning are exactly those of the input less the think tags the parser took out.
#include <gtest/gtest.h>

#include <random>

#include "chat/model_output_parser.h"
#include "model_output_test_util.h"

namespace herd::chat {
namespace {

// clang-format off
const std::vector<std::string> kPieces = {
    "<think>", "</think>", "<thought>", "</thought>", "<tool_call>", "</tool_call>", "<|python_tag|>",
    "[TOOL_CALLS]", "[ARGS]", "<function=f>", "<parameter=p>", "</parameter>", "</function>",
    "{", "}", "[", "]", "\"", "\\", ":", ",", ";", "\"name\"", "\"arguments\"", "\"parameters\"",
    "\"f\"", "1", "null", " ", "\n", "a", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xE2", "\xFF", "<", "</",
    "{\"name\": \"f\", \"arguments\": {\"a\": 1}}",
    "<\xEF\xBD\x9Ctool\xE2\x96\x81" "calls\xE2\x96\x81" "begin\xEF\xBD\x9C>",
    "<\xEF\xBD\x9Ctool\xE2\x96\x81" "call\xE2\x96\x81" "begin\xEF\xBD\x9C>function<\xEF\xBD\x9Ctool\xE2\x96\x81sep\xEF\xBD\x9C>f\n",
    "<\xEF\xBD\x9Ctool\xE2\x96\x81" "call\xE2\x96\x81" "end\xEF\xBD\x9C>",
    "<\xEF\xBD\x9Ctool\xE2\x96\x81" "calls\xE2\x96\x81" "end\xEF\xBD\x9C>", "```json\n"};
// clang-format on

std::string random_output(std::mt19937& rng) {
  std::string text;
  const int n = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int i = 0; i < n; ++i) {
    if (rng() % 8 == 0)
      text += static_cast<char>(rng() % 256);
    else
      text += kPieces[rng() % kPieces.size()];
  }
  return text;
}

std::vector<OutputFormat> all_formats() {
  std::vector<OutputFormat> formats;
  for (ToolCallFormat tools :
       {ToolCallFormat::kNone, ToolCallFormat::kHermes, ToolCallFormat::kLlama3, ToolCallFormat::kMistral,
        ToolCallFormat::kQwen3Coder, ToolCallFormat::kDeepSeekR1, ToolCallFormat::kGeneric}) {
    for (int flags = 0; flags < 4; ++flags) {
      OutputFormat f;
      f.tools = tools;
      f.reasoning = flags != 0;
      f.starts_in_reasoning = flags == 2;
      if (flags == 3) {
        f.reasoning_open = "<thought>";
        f.reasoning_close = "</thought>";
      }
      formats.push_back(f);
    }
  }
  return formats;
}

TEST(ModelOutputProperty, RandomOutputsInRandomSplits) {
  std::mt19937 rng(12345);
  int with_calls = 0;
  for (const OutputFormat& format : all_formats()) {
    for (int round = 0; round < 150; ++round) {
      const std::string text = random_output(rng);
      const testing::ParserRun whole = testing::run_parser(format, text, {});
      std::vector<size_t> cuts;
      const size_t n_cuts = text.empty() ? 0 : rng() % (text.size() + 1);
      for (size_t i = 0; i < n_cuts; ++i) cuts.push_back(rng() % (text.size() + 1));
      std::sort(cuts.begin(), cuts.end());
      const testing::ParserRun split = testing::run_parser(format, text, cuts);
      ASSERT_EQ(split.error, "");
      ASSERT_TRUE(testing::same_output(split.final, whole.final))
          << "text: " << text << "\nsplit: " << testing::describe(split.final)
          << "\nwhole: " << testing::describe(whole.final);
      ASSERT_TRUE(testing::same_output(split.streamed, split.final)) << "text: " << text;
      if (!whole.final.tool_calls.empty()) {
        ++with_calls;
        continue;
      }
      const std::vector<std::string> markers = testing::format_markers(format);
      EXPECT_EQ(testing::surviving_bytes(whole.final.content + " " + whole.final.reasoning, markers),
                testing::surviving_bytes(text, markers))
          << "text: " << text << "\n"
          << testing::describe(whole.final);
    }
  }
  EXPECT_GT(with_calls, 0);  // the pieces do form calls now and then
}

TEST(ModelOutputProperty, RandomBytesByteByByte) {
  std::mt19937 rng(99);
  for (const OutputFormat& format : all_formats()) {
    for (int round = 0; round < 20; ++round) {
      std::string text(rng() % 64, '\0');
      for (char& c : text) c = static_cast<char>(rng() % 256);
      std::vector<size_t> cuts;
      for (size_t i = 1; i < text.size(); ++i) cuts.push_back(i);
      const testing::ParserRun whole = testing::run_parser(format, text, {});
      const testing::ParserRun split = testing::run_parser(format, text, cuts);
      ASSERT_TRUE(testing::same_output(split.final, whole.final));
      ASSERT_TRUE(testing::same_output(split.streamed, whole.final));
    }
  }
}

}  // namespace
}  // namespace herd::chat
