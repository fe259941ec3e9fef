// JSON context in (order, int vs float) and Python json.dumps out.
#include "chat/json_value.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(JsonValue, ContextKeepsKeyOrderAndNumberKinds) {
  const auto j = nlohmann::ordered_json::parse(R"({"z": 1, "a": 1.0, "m": [true, null, "s"]})");
  const Value v = value_from_json(j);
  ASSERT_TRUE(v.is_dict());
  EXPECT_EQ(to_repr(v), "{'z': 1, 'a': 1.0, 'm': [True, None, 's']}");
  EXPECT_TRUE(v.dict().entries[0].second.is_int());
  EXPECT_TRUE(v.dict().entries[1].second.is_float());
}

TEST(JsonValue, DeepContextIsRefused) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "[";
  for (int i = 0; i < 1000; ++i) deep += "]";
  EXPECT_THROW(value_from_json(nlohmann::ordered_json::parse(deep)), TemplateException);
}

TEST(JsonValue, DumpsLikePython) {
  const Value v = value_from_json(nlohmann::ordered_json::parse(R"({"b": [1, 2.5, "x\"\\"], "a": {}})"));
  JsonDumpOptions o;
  EXPECT_EQ(json_dumps(v, o), R"({"b": [1, 2.5, "x\"\\"], "a": {}})");
  o.indent = "  ";
  o.item_separator = ",";
  EXPECT_EQ(json_dumps(v, o), "{\n  \"b\": [\n    1,\n    2.5,\n    \"x\\\"\\\\\"\n  ],\n  \"a\": {}\n}");
  o.indent = "";
  EXPECT_EQ(json_dumps(Value::list({Value::integer(1)}), o), "[\n1\n]");
  EXPECT_EQ(json_dumps(Value::floating(1e100), JsonDumpOptions{}), "1e+100");
  EXPECT_EQ(json_dumps(Value::string("\xf0\x9f\x98\x80"), JsonDumpOptions{true}), R"("\ud83d\ude00")");
}

TEST(JsonValue, TojsonIndentAsString) {
  EXPECT_EQ(render("{{ [1]|tojson(indent='\t') }}"), "[\n\t1\n]");
  EXPECT_EQ(render("{{ {'a': 1}|tojson(separators=(',', ':')) }}"), R"({"a":1})");
}

}  // namespace
}  // namespace herd::chat
