#include "chat/tool_call_json.h"

#include <gtest/gtest.h>

#include "chat/json_value_scanner.h"

namespace herd::chat {
namespace {

std::vector<ParsedCall> calls(std::string_view text, CallShape shape) {
  std::optional<ToolJson> value = parse_tool_json(text);
  if (!value) return {};
  Result<std::vector<ParsedCall>> result = calls_from_json(*value, shape);
  return result.ok() ? *result : std::vector<ParsedCall>{};
}

TEST(ToolCallJson, ArgumentsAreCompactAndKeepTheModelsKeyOrder) {
  const auto c =
      calls(R"({"name": "f", "arguments": {"z": 1, "a": [true, null], "m": "\u00e9\/"}})", CallShape::kObject);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].name, "f");
  EXPECT_EQ(c[0].arguments, "{\"z\":1,\"a\":[true,null],\"m\":\"\xC3\xA9/\"}");
  EXPECT_EQ(c[0].id, "");
}

TEST(ToolCallJson, LlamaParametersAndMissingArguments) {
  EXPECT_EQ(calls(R"({"name": "f", "parameters": {"x": 2}})", CallShape::kObject).at(0).arguments, R"({"x":2})");
  EXPECT_EQ(calls(R"({"name": "f"})", CallShape::kObject).at(0).arguments, "{}");
  EXPECT_EQ(calls(R"({"name": "f", "arguments": null})", CallShape::kObject).at(0).arguments, "{}");
}

TEST(ToolCallJson, RefusesWhatIsNoCall) {
  EXPECT_TRUE(calls(R"({"name": "", "arguments": {}})", CallShape::kObject).empty());
  EXPECT_TRUE(calls(R"({"name": 3})", CallShape::kObject).empty());
  EXPECT_TRUE(calls(R"({"name": "f", "arguments": [1]})", CallShape::kObject).empty());
  EXPECT_TRUE(calls(R"({"name": "f", "arguments": "not json"})", CallShape::kObject).empty());
  EXPECT_TRUE(calls(R"([])", CallShape::kArray).empty());
  EXPECT_TRUE(calls(R"([{"name": "f"}, 3])", CallShape::kArray).empty());
  EXPECT_TRUE(calls("{\"name\": \"f\xFF\"}", CallShape::kObject).empty());  // invalid UTF-8 is not JSON
  EXPECT_FALSE(parse_tool_json("{\"a\": " + std::string(100, '[') + std::string(100, ']') + "}"));
}

TEST(ToolCallJson, ModelIdsAreKeptWhenSane) {
  EXPECT_EQ(calls(R"([{"name": "f", "id": "abc123XYZ"}])", CallShape::kArray).at(0).id, "abc123XYZ");
  EXPECT_EQ(calls(R"([{"name": "f", "id": "has space"}])", CallShape::kArray).at(0).id, "");
  EXPECT_EQ(calls(R"([{"name": "f", "id": 7}])", CallShape::kArray).at(0).id, "");
}

TEST(ToolCallJson, GenericShapes) {
  EXPECT_EQ(calls(R"({"tool_calls": [{"name": "a"}, {"name": "b"}]})", CallShape::kGeneric).size(), 2u);
  EXPECT_EQ(calls(R"({"name": "a", "arguments": {}})", CallShape::kGeneric).size(), 1u);
  EXPECT_TRUE(calls(R"({"tool_calls": []})", CallShape::kGeneric).empty());
  const auto args = calls(R"({"q": [1]})", CallShape::kArguments);
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].arguments, R"({"q":[1]})");
}

TEST(JsonValueScanner, FindsTheEndPastBracesAndQuotesInStrings) {
  const std::string text = R"({"a": "}\"{", "b": [1, {"c": "]"}]} tail)";
  JsonValueScanner scanner;
  size_t end = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const JsonValueScanner::Step step = scanner.step(text[i]);
    ASSERT_NE(step, JsonValueScanner::Step::kError);
    if (step == JsonValueScanner::Step::kDone) {
      end = i + 1;
      break;
    }
  }
  EXPECT_EQ(text.substr(0, end), R"({"a": "}\"{", "b": [1, {"c": "]"}]})");
}

TEST(JsonValueScanner, RefusesNonContainersAndDeepNesting) {
  JsonValueScanner scalar;
  EXPECT_EQ(scalar.step('1'), JsonValueScanner::Step::kError);
  JsonValueScanner deep;
  JsonValueScanner::Step step = JsonValueScanner::Step::kMore;
  for (int i = 0; i <= kMaxToolJsonDepth && step == JsonValueScanner::Step::kMore; ++i) step = deep.step('[');
  EXPECT_EQ(step, JsonValueScanner::Step::kError);
  EXPECT_TRUE(json_depth_within("[[1]] trailing"));
  EXPECT_TRUE(json_depth_within("\"[[[[\""));
}

}  // namespace
}  // namespace herd::chat
