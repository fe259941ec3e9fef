// Hand-written outputs of every tool-call format and of think blocks: the parsed message is
// right, and it is the same (and the streamed deltas add up to it) at every split.
#include "chat/model_output_parser.h"

#include <gtest/gtest.h>

#include <cctype>

#include "model_output_test_util.h"

namespace herd::chat {
namespace {

using testing::run_parser;

struct Case {
  std::string name;
  OutputFormat format;
  std::string text;
  ParsedOutput expected;  // tool call ids left empty are checked for the "call_" form only
};

OutputFormat tools(ToolCallFormat f, bool reasoning = false) {
  OutputFormat format;
  format.tools = f;
  format.reasoning = reasoning;
  format.call_id_seed = 7;
  return format;
}

OutputFormat thinking(bool starts_inside = false) {
  OutputFormat format;
  format.reasoning = true;
  format.starts_in_reasoning = starts_inside;
  return format;
}

ParsedOutput msg(std::string reasoning, std::string content, std::vector<ToolCall> calls = {}) {
  return {std::move(reasoning), std::move(content), std::move(calls)};
}

// DeepSeek's markers: full-width bars (U+FF5C) and low lines (U+2581).
constexpr std::string_view kDsCallsBegin =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
constexpr std::string_view kDsCallsEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kDsCallBegin =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
constexpr std::string_view kDsCallEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kDsSep = "<\xEF\xBD\x9Ctool\xE2\x96\x81sep\xEF\xBD\x9C>";

std::vector<Case> cases() {
  using F = ToolCallFormat;
  OutputFormat exaone = thinking(true);
  exaone.reasoning_open = "<thought>";
  exaone.reasoning_close = "</thought>";
  OutputFormat coder_typed = tools(F::kQwen3Coder);
  coder_typed.parameter_types = {{"lookup", {{"zip", "string"}, {"flag", "string"}, {"days", "integer"}}}};
  OutputFormat r1 = tools(F::kDeepSeekR1, true);
  r1.starts_in_reasoning = true;
  return {
      {"hermes_after_text", tools(F::kHermes),
       "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": "
       "\"c\"}}\n"
       "</tool_call>",
       msg("", "Let me check.\n", {{"", "get_weather", R"({"city":"Paris","unit":"c"})"}})},
      {"hermes_two_calls_nested_braces_escaped_quotes", tools(F::kHermes),
       "<tool_call>\n{\"name\": \"run\", \"arguments\": {\"code\": \"if (a) { b(\\\"}\\\"); }\", \"n\": [1, {\"x\": "
       "null}]}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call>",
       msg("", "", {{"", "run", R"({"code":"if (a) { b(\"}\"); }","n":[1,{"x":null}]})"}, {"", "g", "{}"}})},
      {"hermes_unicode", tools(F::kHermes),
       "<tool_call>{\"name\": \"say\", \"arguments\": {\"text\": \"h\xC3\xA9llo \xF0\x9F\x98\x80 "
       "\\u00e9\"}}</tool_call>",
       msg("", "", {{"", "say", "{\"text\":\"h\xC3\xA9llo \xF0\x9F\x98\x80 \xC3\xA9\"}"}})},
      {"hermes_text_after_call", tools(F::kHermes),
       "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call>\n\nDone.",
       msg("", "Done.", {{"", "f", R"({"a":1})"}})},
      {"hermes_no_close_tag", tools(F::kHermes), "<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1.5e2}}",
       msg("", "", {{"", "f", R"({"a":150.0})"}})},
      {"hermes_string_arguments", tools(F::kHermes),
       "<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": [true]}\"}</tool_call>",
       msg("", "", {{"", "f", R"({"a":[true]})"}})},
      {"hermes_broken_json_is_content", tools(F::kHermes),
       "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1,}}</tool_call> tail",
       msg("", "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1,}}</tool_call> tail")},
      {"hermes_unterminated_is_content", tools(F::kHermes), "Hi <tool_call>{\"name\": \"f\", \"argu",
       msg("", "Hi <tool_call>{\"name\": \"f\", \"argu")},
      {"hermes_not_json_is_content", tools(F::kHermes), "<tool_call> get_weather(city=1) </tool_call>",
       msg("", "<tool_call> get_weather(city=1) </tool_call>")},
      {"hermes_no_name_is_content", tools(F::kHermes), "<tool_call>{\"arguments\": {}}</tool_call>",
       msg("", "<tool_call>{\"arguments\": {}}</tool_call>")},
      {"qwen3_think_then_call", tools(F::kHermes, true),
       "<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{\"name\": \"w\", \"arguments\": {}}\n</tool_call>",
       msg("The user wants weather.\n", "", {{"", "w", "{}"}})},
      {"qwen3_call_inside_think_is_reasoning", tools(F::kHermes, true),
       "<think><tool_call>{\"name\": \"w\"}</tool_call></think>ok",
       msg("<tool_call>{\"name\": \"w\"}</tool_call>", "ok")},
      {"llama3_bare", tools(F::kLlama3), "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
       msg("", "", {{"", "get_weather", R"({"city":"Paris"})"}})},
      {"llama3_python_tag_two_calls", tools(F::kLlama3),
       "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}",
       msg("", "", {{"", "a", "{}"}, {"", "b", R"({"x":1})"}})},
      {"llama3_brace_after_text_is_content", tools(F::kLlama3), "Use {\"name\": \"a\", \"parameters\": {}}",
       msg("", "Use {\"name\": \"a\", \"parameters\": {}}")},
      {"llama3_other_json_is_content", tools(F::kLlama3), "{\"foo\": {\"bar\": 1}} and more",
       msg("", "{\"foo\": {\"bar\": 1}} and more")},
      {"llama3_python_code_is_content", tools(F::kLlama3), "<|python_tag|>brave_search.call(query=\"x\")",
       msg("", "<|python_tag|>brave_search.call(query=\"x\")")},
      {"mistral_array_with_ids", tools(F::kMistral),
       "[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {\"a\": 1}, \"id\": \"abc123XYZ\"}, {\"name\": \"g\", "
       "\"arguments\": {}, \"id\": \"Q1w2E3r4T\"}]",
       msg("", "", {{"abc123XYZ", "f", R"({"a":1})"}, {"Q1w2E3r4T", "g", "{}"}})},
      {"mistral_name_args", tools(F::kMistral),
       "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]g[ARGS]{}",
       msg("", "", {{"", "get_weather", R"({"city":"Paris"})"}, {"", "g", "{}"}})},
      {"mistral_broken_is_content", tools(F::kMistral), "Hi [TOOL_CALLS] nope", msg("", "Hi [TOOL_CALLS] nope")},
      {"qwen3_coder", tools(F::kQwen3Coder),
       "I'll look.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n"
       "</parameter>\n<parameter=opts>\n{\"a\": [1, 2]}\n</parameter>\n<parameter=note>\nline 1\nline 2\n</parameter>\n"
       "</function>\n</tool_call>",
       msg("", "I'll look.\n",
           {{"", "get_weather", R"({"city":"Paris","days":3,"opts":{"a":[1,2]},"note":"line 1\nline 2"})"}})},
      {"qwen3_coder_schema_types", coder_typed,
       "<tool_call>\n<function=lookup>\n<parameter=zip>\n12345\n</parameter>\n<parameter=flag>\ntrue\n</parameter>\n"
       "<parameter=days>\n3\n</parameter>\n<parameter=other>\n7\n</parameter>\n</function>\n</tool_call>",
       msg("", "", {{"", "lookup", R"({"zip":"12345","flag":"true","days":3,"other":7})"}})},
      {"qwen3_coder_broken_is_content", tools(F::kQwen3Coder), "<tool_call>\n<function>x</function>\n</tool_call>",
       msg("", "<tool_call>\n<function>x</function>\n</tool_call>")},
      {"deepseek_r1_think_then_calls", r1,
       "Let me see.\n</think>\n\n" + std::string(kDsCallsBegin) + std::string(kDsCallBegin) + "function" +
           std::string(kDsSep) + "get_weather\n```json\n{\"city\": \"Paris\"}\n```" + std::string(kDsCallEnd) + "\n" +
           std::string(kDsCallBegin) + "function" + std::string(kDsSep) + "g\n```json\n{}\n```" +
           std::string(kDsCallEnd) + std::string(kDsCallsEnd) + "Done.",
       msg("Let me see.\n", "Done.", {{"", "get_weather", R"({"city":"Paris"})"}, {"", "g", "{}"}})},
      {"deepseek_r1_broken_is_content", tools(F::kDeepSeekR1),
       std::string(kDsCallsBegin) + "oops" + std::string(kDsCallsEnd),
       msg("", std::string(kDsCallsBegin) + "oops" + std::string(kDsCallsEnd))},
      {"generic_tool_calls", tools(F::kGeneric),
       "{\"tool_calls\": [{\"name\": \"a\", \"arguments\": {\"q\": \"x\"}}, {\"name\": \"b\", \"arguments\": {}}]}",
       msg("", "", {{"", "a", R"({"q":"x"})"}, {"", "b", "{}"}})},
      {"generic_single", tools(F::kGeneric), "{\"name\": \"a\", \"arguments\": {\"q\": 1}}",
       msg("", "", {{"", "a", R"({"q":1})"}})},
      {"generic_plain_answer", tools(F::kGeneric), "The answer is {42}.", msg("", "The answer is {42}.")},
      {"deepseek_r1_starts_inside", thinking(true), "Okay, so 2+2.\n</think>\n\nThe answer is 4.",
       msg("Okay, so 2+2.\n", "The answer is 4.")},
      {"think_unterminated_stays_reasoning", thinking(), "<think>hmm <thi", msg("hmm <thi", "")},
      {"think_partial_marker_at_end_is_content", thinking(), "abc </think> <thin", msg("", "abc </think> <thin")},
      {"exaone_thought", exaone, "\nstep one\n</thought>\nAnswer: \xEC\x95\x88\xEB\x85\x95",
       msg("step one\n", "Answer: \xEC\x95\x88\xEB\x85\x95")},
      {"no_reasoning_keeps_tags", tools(F::kNone), "<think>x</think>y", msg("", "<think>x</think>y")},
      {"no_tools_keeps_tool_call", tools(F::kNone), "<tool_call>{\"name\":\"f\"}</tool_call>",
       msg("", "<tool_call>{\"name\":\"f\"}</tool_call>")},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ModelOutputCaseTest : public ::testing::TestWithParam<Case> {};

void expect_message(const ParsedOutput& got, const ParsedOutput& want) {
  EXPECT_EQ(got.reasoning, want.reasoning);
  EXPECT_EQ(got.content, want.content);
  ASSERT_EQ(got.tool_calls.size(), want.tool_calls.size()) << testing::describe(got);
  for (size_t i = 0; i < got.tool_calls.size(); ++i) {
    EXPECT_EQ(got.tool_calls[i].name, want.tool_calls[i].name);
    EXPECT_EQ(got.tool_calls[i].arguments, want.tool_calls[i].arguments);
    if (!want.tool_calls[i].id.empty()) {
      EXPECT_EQ(got.tool_calls[i].id, want.tool_calls[i].id);
    } else {
      ASSERT_EQ(got.tool_calls[i].id.size(), 29u) << got.tool_calls[i].id;
      EXPECT_EQ(got.tool_calls[i].id.substr(0, 5), "call_");
      for (const char c : got.tool_calls[i].id.substr(5)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
    }
  }
}

TEST_P(ModelOutputCaseTest, ParsesUnsplit) {
  const Case& c = GetParam();
  const testing::ParserRun run = run_parser(c.format, c.text, {});
  EXPECT_EQ(run.error, "");
  expect_message(run.final, c.expected);
  EXPECT_TRUE(testing::same_output(run.streamed, run.final)) << testing::describe(run.streamed);
}

TEST_P(ModelOutputCaseTest, EveryTwoPieceSplitGivesTheSame) {
  const Case& c = GetParam();
  const testing::ParserRun whole = run_parser(c.format, c.text, {});
  for (size_t cut = 0; cut <= c.text.size(); ++cut) {
    const testing::ParserRun run = run_parser(c.format, c.text, {cut});
    ASSERT_EQ(run.error, "") << "cut at " << cut;
    ASSERT_TRUE(testing::same_output(run.final, whole.final))
        << "cut at " << cut << ": " << testing::describe(run.final);
    ASSERT_TRUE(testing::same_output(run.streamed, whole.final))
        << "cut at " << cut << ": " << testing::describe(run.streamed);
  }
}

TEST_P(ModelOutputCaseTest, ByteByByteGivesTheSame) {
  const Case& c = GetParam();
  std::vector<size_t> cuts;
  for (size_t i = 1; i < c.text.size(); ++i) cuts.push_back(i);
  const testing::ParserRun whole = run_parser(c.format, c.text, {});
  const testing::ParserRun run = run_parser(c.format, c.text, cuts);
  EXPECT_EQ(run.error, "");
  EXPECT_TRUE(testing::same_output(run.final, whole.final)) << testing::describe(run.final);
  EXPECT_TRUE(testing::same_output(run.streamed, whole.final)) << testing::describe(run.streamed);
}

INSTANTIATE_TEST_SUITE_P(Outputs, ModelOutputCaseTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace herd::chat
