// How the output parser streams: what it holds back and for how long, the shape of tool-call
// deltas, call ids, and the bounds on what it keeps.
#include <gtest/gtest.h>

#include <set>

#include "chat/model_output_parser.h"
#include "model_output_test_util.h"

namespace herd::chat {
namespace {

OutputFormat hermes_thinking() {
  OutputFormat format;
  format.tools = ToolCallFormat::kHermes;
  format.reasoning = true;
  format.call_id_seed = 1;
  return format;
}

TEST(ModelOutputStreaming, PlainTextGoesOutAtOnce) {
  ModelOutputParser parser(hermes_thinking());
  EXPECT_EQ(parser.feed("Hello, world").content, "Hello, world");
  EXPECT_EQ(parser.feed(" and more.").content, " and more.");
}

TEST(ModelOutputStreaming, HoldsBackOnlyWhatMayStartAMarker) {
  ModelOutputParser parser(hermes_thinking());
  EXPECT_EQ(parser.feed("Hello <tool").content, "Hello ");
  EXPECT_EQ(parser.feed("s are nice").content, "<tools are nice");
  EXPECT_EQ(parser.feed(" <thi").content, " ");
  const OutputDelta d = parser.feed("nk>why");
  EXPECT_EQ(d.content, "");
  EXPECT_EQ(d.reasoning, "why");
  EXPECT_EQ(parser.feed(" </thi").reasoning, " ");
  EXPECT_EQ(parser.finish().reasoning, "</thi");
}

TEST(ModelOutputStreaming, WaitsForTheRestOfAUtf8Character) {
  OutputFormat plain;
  ModelOutputParser parser(plain);
  EXPECT_EQ(parser.feed("caf\xC3").content, "caf");
  EXPECT_EQ(parser.feed("\xA9 \xF0\x9F").content, "\xC3\xA9 ");
  EXPECT_EQ(parser.feed("\x98").content, "");
  EXPECT_EQ(parser.feed("\x80!").content, "\xF0\x9F\x98\x80!");
  // Invalid bytes are not held: they pass as they came.
  EXPECT_EQ(parser.feed("\xFF\x80x").content, "\xFF\x80x");
  // A character cut off by the end of generation goes out as it is.
  EXPECT_EQ(parser.feed("\xE2\x82").content, "");
  EXPECT_EQ(parser.finish().content, "\xE2\x82");
}

TEST(ModelOutputStreaming, ToolCallDeltasNameFirstThenArguments) {
  ModelOutputParser parser(hermes_thinking());
  EXPECT_TRUE(parser.feed("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": ").empty());
  EXPECT_TRUE(parser.feed("\"Paris\"}}").empty());  // the close tag may still follow
  const OutputDelta d = parser.feed("\n</tool_call>");
  ASSERT_EQ(d.tool_calls.size(), 2u);
  EXPECT_EQ(d.tool_calls[0].index, 0);
  ASSERT_TRUE(d.tool_calls[0].id && d.tool_calls[0].name);
  EXPECT_EQ(*d.tool_calls[0].name, "get_weather");
  EXPECT_EQ(d.tool_calls[0].arguments, "");
  EXPECT_EQ(d.tool_calls[1].index, 0);
  EXPECT_FALSE(d.tool_calls[1].id || d.tool_calls[1].name);
  EXPECT_EQ(d.tool_calls[1].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(*d.tool_calls[0].id, parser.message().tool_calls.at(0).id);
  const OutputDelta second = parser.feed("<tool_call>{\"name\": \"g\", \"arguments\": {}}</tool_call>");
  ASSERT_EQ(second.tool_calls.size(), 2u);
  EXPECT_EQ(second.tool_calls[0].index, 1);
  EXPECT_TRUE(parser.finish().empty());
}

TEST(ModelOutputStreaming, FeedAfterFinishIsIgnored) {
  ModelOutputParser parser(hermes_thinking());
  parser.feed("a");
  parser.finish();
  EXPECT_TRUE(parser.feed("b").empty());
  EXPECT_TRUE(parser.finish().empty());
  EXPECT_EQ(parser.message().content, "a");
}

std::vector<std::string> call_ids(uint64_t seed, const std::string& text) {
  OutputFormat format = hermes_thinking();
  format.call_id_seed = seed;
  ModelOutputParser parser(format);
  parser.feed(text);
  parser.finish();
  std::vector<std::string> ids;
  for (const ToolCall& call : parser.message().tool_calls) ids.push_back(call.id);
  return ids;
}

TEST(ModelOutputStreaming, CallIdsAreUniqueAndFollowTheSeed) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>";
  const std::vector<std::string> a = call_ids(1, text);
  ASSERT_EQ(a.size(), 50u);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), 50u);
  EXPECT_EQ(call_ids(1, text), a);
  EXPECT_NE(call_ids(2, text), a);
}

TEST(ModelOutputStreaming, AModelIdUsedTwiceIsReplaced) {
  OutputFormat format;
  format.tools = ToolCallFormat::kMistral;
  ModelOutputParser parser(format);
  parser.feed(R"([TOOL_CALLS][{"name": "f", "id": "abcdefghi"}, {"name": "g", "id": "abcdefghi"}])");
  parser.finish();
  ASSERT_EQ(parser.message().tool_calls.size(), 2u);
  EXPECT_EQ(parser.message().tool_calls[0].id, "abcdefghi");
  EXPECT_EQ(parser.message().tool_calls[1].id.substr(0, 5), "call_");
}

TEST(ModelOutputStreaming, AnOverlongToolCallBecomesContent) {
  ModelOutputParser parser(hermes_thinking());
  const std::string big =
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": \"" + std::string(kMaxToolCallBytes, 'a');
  const OutputDelta d = parser.feed(big);
  EXPECT_EQ(d.content, big);  // given up as soon as it outgrew the limit, not at the end
  parser.feed("\"}}</tool_call>");
  parser.finish();
  EXPECT_TRUE(parser.message().tool_calls.empty());
  EXPECT_EQ(parser.message().content, big + "\"}}</tool_call>");
}

TEST(ModelOutputStreaming, TheCallSizeLimitDoesNotDependOnTheSplit) {
  // A whole, valid call longer than the limit: refused whether it came at once or in pieces.
  const std::string text = "<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": \"" +
                           std::string(kMaxToolCallBytes + 100, 'a') + "\"}}</tool_call>";
  const testing::ParserRun whole = testing::run_parser(hermes_thinking(), text, {});
  EXPECT_TRUE(whole.final.tool_calls.empty());
  EXPECT_EQ(whole.final.content, text);
  for (const size_t cut : {size_t{20}, kMaxToolCallBytes / 2, kMaxToolCallBytes + 11, text.size() - 3}) {
    const testing::ParserRun split = testing::run_parser(hermes_thinking(), text, {cut});
    EXPECT_TRUE(testing::same_output(split.final, whole.final)) << "cut at " << cut;
  }
}

TEST(ModelOutputStreaming, CallsPastTheLimitStayContent) {
  std::string text;
  for (size_t i = 0; i <= kMaxToolCalls; ++i) text += "<tool_call>{\"name\": \"f\"}</tool_call>";
  ModelOutputParser parser(hermes_thinking());
  parser.feed(text);
  parser.finish();
  EXPECT_EQ(parser.message().tool_calls.size(), kMaxToolCalls);
  EXPECT_EQ(parser.message().content, "<tool_call>{\"name\": \"f\"}</tool_call>");
}

TEST(ModelOutputStreaming, DeeplyNestedArgumentsAreRefusedNotRecursedInto) {
  ModelOutputParser parser(hermes_thinking());
  const std::string deep = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": " + std::string(10000, '[') +
                           std::string(10000, ']') + "}}</tool_call>";
  parser.feed(deep);
  parser.finish();
  EXPECT_TRUE(parser.message().tool_calls.empty());
  EXPECT_EQ(parser.message().content, deep);
}

TEST(ModelOutputStreaming, MovedParserKeepsItsState) {
  ModelOutputParser parser(hermes_thinking());
  parser.feed("<think>a");
  ModelOutputParser moved = std::move(parser);
  moved.feed("</think>b");
  moved.finish();
  EXPECT_EQ(moved.message().reasoning, "a");
  EXPECT_EQ(moved.message().content, "b");
}

}  // namespace
}  // namespace herd::chat
