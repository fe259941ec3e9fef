// Each supported JSON schema keyword: texts its grammar must accept and texts it must refuse.
#include "grammar/json_schema_gbnf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using ojson = nlohmann::ordered_json;
using testing::compile;
using testing::matches;

struct Case {
  const char* schema;
  std::vector<std::string> accept;
  std::vector<std::string> refuse;
};

void check(const Case& c) {
  Result<std::string> gbnf = json_schema_to_gbnf(ojson::parse(c.schema));
  ASSERT_TRUE(gbnf.ok()) << c.schema << ": " << gbnf.status().to_string();
  auto grammar = compile(*gbnf);
  ASSERT_NE(grammar, nullptr) << c.schema;
  for (const std::string& text : c.accept) EXPECT_TRUE(matches(grammar, text)) << c.schema << " should accept " << text << "\n" << *gbnf;
  for (const std::string& text : c.refuse) EXPECT_FALSE(matches(grammar, text)) << c.schema << " should refuse " << text << "\n" << *gbnf;
}

TEST(JsonSchemaGbnf, Types) {
  check({R"({"type":"string"})", {R"("")", R"("a \"q\" \\ \n \u00e9 \ud7ff é 中")"}, {R"(")", R"("\ud800")", "\"a\nb\"", "1"}});
  check({R"({"type":"integer"})", {"0", "-7", "123456789012345678"}, {"01", "-0.5", "1.0", "1e3", "+1", "1234567890123456789"}});
  check({R"({"type":"number"})", {"0", "-0.25", "1e5", "1.5E-10", "3"}, {".5", "1.", "01", "1e", "1e123"}});
  check({R"({"type":"boolean"})", {"true", "false"}, {"True", "1"}});
  check({R"({"type":"null"})", {"null"}, {"nil", ""}});
  check({R"({"type":["string","null"]})", {"null", R"("x")"}, {"1"}});
  check({R"({"type":"integer","nullable":true})", {"null", "4"}, {R"("4")"}});
  check({R"({})", {"1", R"({"a":[1,{"b":null}]})", R"("s")"}, {"", "{"}});
  check({"true", {"[]", "false"}, {"]"}});
}

TEST(JsonSchemaGbnf, AnnotationsChangeNothing) {
  check({R"({"title":"t","description":"d","default":"x","examples":["y"],"$schema":"https://json-schema.org/draft/2020-12/schema",
             "$id":"urn:x","$comment":"c","deprecated":true,"readOnly":true,"writeOnly":false,"contentMediaType":"text/plain",
             "contentEncoding":"7bit","discriminator":{"propertyName":"k"},"type":"string","maxLength":2})",
         {R"("ab")"}, {R"("abc")", "1"}});
}

TEST(JsonSchemaGbnf, EnumAndConst) {
  check({R"({"enum":["red",3,null,{"k":[1,2]}]})", {R"("red")", "3", "null", R"({"k":[1,2]})"}, {R"("blue")", "4", R"({"k":[1]})"}});
  check({R"({"const":"a\"b"})", {R"("a\"b")"}, {R"("ab")"}});
  check({R"({"type":"string","enum":["a",1]})", {R"("a")"}, {"1"}});
  check({R"({"enum":["a"],"nullable":true})", {R"("a")", "null"}, {R"("b")"}});
}

TEST(JsonSchemaGbnf, ObjectPropertiesInOrderRequiredAndOptional) {
  const char* schema = R"({"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"string"},"c":{"type":"boolean"}},"required":["a"]})";
  check({schema,
         {R"({"a":"x"})", R"({"b":1,"a":"x"})", R"({"a":"x","c":true})", R"({"b":1,"a":"x","c":false})",
          "{\n  \"b\": 1,\n  \"a\": \"x\"\n}", R"({ "a" : "x" })"},
         {R"({})", R"({"b":1})", R"({"a":"x","b":1})", R"({"a":"x","a":"y"})", R"({"a":"x",})", R"({"a":"x","d":1})",
          R"({,"a":"x"})", R"({"a":1})"}});
  // No keys at all, and keys that need escaping.
  check({R"({"type":"object"})", {"{}", "{ }"}, {R"({"a":1})"}});
  check({R"({"properties":{"q\"k":{"const":1}},"required":["q\"k"]})", {R"({"q\"k":1})"}, {"{}"}});
}

TEST(JsonSchemaGbnf, AdditionalProperties) {
  const char* open = R"({"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":true})";
  check({open, {R"({"id":1,"x":[1]})", R"({"x":"y","z":null})", R"({"ids":1})", R"({"i":1})", "{}"},
         {R"({"id":1,"id":2})", R"({"x":1,"id":2})", R"({"id":1,"x\u0041":1})"}});
  const char* typed = R"({"type":"object","additionalProperties":{"type":"integer"}})";
  check({typed, {R"({"a":1,"b":2})", "{}"}, {R"({"a":"x"})"}});
  check({R"({"type":"object","properties":{"a":{}},"additionalProperties":false})", {R"({"a":1})", "{}"}, {R"({"b":1})"}});
  // A property whose schema is false never appears, not even as an extra key.
  check({R"({"properties":{"a":false,"b":{"const":1}},"additionalProperties":true})", {R"({"b":1})", R"({"c":1})", R"({"ab":1})"},
         {R"({"a":1})", R"({"b":1,"a":1})"}});
  // A required name that is not a property takes the additionalProperties schema.
  check({R"({"type":"object","required":["n"],"additionalProperties":{"type":"integer"}})", {R"({"n":1})", R"({"n":1,"m":2})"},
         {"{}", R"({"n":"x"})"}});
}

TEST(JsonSchemaGbnf, Arrays) {
  check({R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})", {"[1]", "[1, 2,3]", "[ 1 ]"},
         {"[]", "[1,2,3,4]", "[1,]", R"(["a"])"}});
  check({R"({"type":"array"})", {"[]", R"([1,"a",null,[]])"}, {"[,]"}});
  check({R"({"type":"array","maxItems":0})", {"[]"}, {"[1]"}});
  check({R"({"type":"array","prefixItems":[{"type":"integer"},{"type":"string"}],"items":false})",
         {"[]", "[1]", R"([1,"a"])"}, {R"(["a"])", R"([1,"a",2])"}});
  check({R"({"type":"array","prefixItems":[{"type":"integer"}],"items":{"type":"boolean"},"minItems":2})",
         {"[1,true]", "[1,true,false]"}, {"[1]", "[true,true]"}});
  check({R"({"type":"array","items":[{"type":"integer"}],"additionalItems":false})", {"[]", "[5]"}, {"[5,5]"}});
}

TEST(JsonSchemaGbnf, AnyOfOneOfAllOf) {
  check({R"({"anyOf":[{"type":"integer"},{"type":"string","maxLength":1}]})", {"1", R"("a")"}, {R"("ab")", "true"}});
  check({R"({"oneOf":[{"type":"boolean"},{"type":"null"}]})", {"true", "null"}, {"1"}});
  check({R"({"allOf":[{"properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string"}},"required":["b"]}]})",
         {R"({"a":1,"b":"x"})"}, {R"({"a":1})", R"({"b":"x","a":1})"}});
  // Keywords next to anyOf apply to every member.
  check({R"({"type":"object","required":["a"],"anyOf":[{"properties":{"a":{"type":"integer"}}},{"properties":{"a":{"type":"string"}}}]})",
         {R"({"a":1})", R"({"a":"s"})"}, {"{}", R"({"a":true})"}});
  // A property in two allOf members gets both schemas.
  check({R"({"allOf":[{"properties":{"n":{"type":"integer","minimum":0}}},{"properties":{"n":{"maximum":5}}}]})",
         {R"({"n":5})", "{}"}, {R"({"n":6})", R"({"n":-1})"}});
}

TEST(JsonSchemaGbnf, References) {
  const char* list = R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/node"}]}},"required":["v","next"]}},"$ref":"#/$defs/node"})";
  check({list, {R"({"v":1,"next":null})", R"({"v":1,"next":{"v":2,"next":{"v":3,"next":null}}})"}, {R"({"v":1,"next":{"v":2}})"}});
  check({R"({"definitions":{"a b":{"type":"boolean"}},"properties":{"x":{"$ref":"#/definitions/a%20b"}},"required":["x"]})",
         {R"({"x":true})"}, {R"({"x":1})"}});
  check({R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}}})",
         {"{}", R"({"kids":[{},{"kids":[]}]})"}, {R"({"kids":[1]})"}});
  // A $ref with siblings: both apply.
  check({R"({"$defs":{"i":{"type":"integer"}},"$ref":"#/$defs/i","minimum":3})", {"3"}, {"2"}});
}

TEST(JsonSchemaGbnf, StringLengths) {
  check({R"({"type":"string","minLength":2,"maxLength":3})", {R"("ab")", R"("\n\"x")", R"("é中")", R"("\u0041bc")"},
         {R"("a")", R"("abcd")", R"("\n")"}});
  check({R"({"type":"string","maxLength":0})", {R"("")"}, {R"("a")"}});
  check({R"({"type":"string","minLength":1})", {R"("a")", R"("abcdefghijklmnop")"}, {R"("")"}});
}

TEST(JsonSchemaGbnf, Formats) {
  check({R"({"type":"string","format":"date"})", {R"("2024-02-29")", R"("2000-02-29")", R"("2023-12-31")", R"("0000-02-29")"},
         {R"("2023-02-29")", R"("1900-02-29")", R"("2023-04-31")", R"("2023-13-01")", R"("2023-00-10")", R"("2023-1-1")"}});
  check({R"({"type":"string","format":"time"})", {R"("23:59:59Z")", R"("00:00:00.123+05:30")", R"("12:00:00-08:00")"},
         {R"("24:00:00Z")", R"("12:60:00Z")", R"("12:00:00")", R"("12:00Z")"}});
  check({R"({"type":"string","format":"date-time"})", {R"("2024-01-02T03:04:05Z")"}, {R"("2024-01-02 03:04:05Z")"}});
  check({R"({"type":"string","format":"uuid"})", {R"("123e4567-e89b-12d3-A456-426614174000")"},
         {R"("123e4567e89b12d3a456426614174000")", R"("123e4567-e89b-12d3-a456-42661417400g")"}});
  check({R"({"type":"string","format":"email"})", {R"("a@b.co")", R"("john.doe+x@mail-1.example.org")"},
         {R"("a@b")", R"("@b.co")", R"("a..b@c.co")", R"("a@-b.co")", R"("a b@c.co")"}});
}

TEST(JsonSchemaGbnf, Patterns) {
  check({R"({"type":"string","pattern":"^\\d{3}-\\d{4}$"})", {R"("555-1234")"}, {R"("5551234")", R"("x555-1234")"}});
  check({R"({"type":"string","pattern":"ab"})", {R"("ab")", R"("xxaby")"}, {R"("a")", R"("ba")"}});
  check({R"({"type":"string","pattern":"^a.c$"})", {R"("abc")", R"("a\"c")", R"("a\\c")"}, {R"("a\nc")", R"("ac")"}});
}

TEST(JsonSchemaGbnf, Numbers) {
  check({R"({"type":"integer","minimum":-5,"exclusiveMaximum":10})", {"-5", "0", "9"}, {"-6", "10", "-0"}});
  check({R"({"type":"integer","exclusiveMinimum":0})", {"1", "999999999999999999"}, {"0", "-1"}});
  check({R"({"type":"integer","maximum":2.5,"minimum":-2.5})", {"2", "-2"}, {"3", "-3"}});
  check({R"({"type":"number","minimum":0,"maximum":1})", {"0", "1", "1.0", "0.999", "0.5"}, {"-0.1", "1.01", "2", "1e0"}});
  check({R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1})", {"0.5", "0.0001"}, {"0", "0.0", "1", "1.0"}});
  check({R"({"type":"number","minimum":-1,"exclusiveMaximum":0})", {"-1", "-1.0", "-0.5"}, {"0", "-1.5", "0.5"}});
  check({R"({"type":"number","minimum":1,"maximum":1})", {"1", "1.00"}, {"1.01", "0.99"}});
  // Draft 4: exclusiveMinimum/exclusiveMaximum as booleans on minimum/maximum.
  check({R"({"type":"integer","minimum":1,"exclusiveMinimum":true,"maximum":3,"exclusiveMaximum":false})", {"2", "3"}, {"1", "4"}});
}

TEST(JsonSchemaGbnf, Whitespace) {
  auto grammar = compile(*json_schema_to_gbnf(ojson::parse(R"({"type":"array","items":{"type":"integer"}})")));
  EXPECT_TRUE(matches(grammar, "[\n" + std::string(8, ' ') + "1 ,\n\t2\n]"));
  EXPECT_FALSE(matches(grammar, "[\n" + std::string(9, ' ') + "1]"));  // bounded: no endless whitespace
  EXPECT_FALSE(matches(grammar, "[  1]"));
  EXPECT_FALSE(matches(grammar, "[1 ,\t2]")) << "a tab only indents after a line break";
  EXPECT_FALSE(matches(grammar, "[\n\n1]"));
  EXPECT_FALSE(matches(grammar, " [1]"));
}

TEST(JsonSchemaGbnf, JsonObjectAnyDepth) {
  auto grammar = compile(json_object_gbnf());
  EXPECT_TRUE(matches(grammar, R"({"a":{"b":{"c":[1,{"d":[[[]]]}]}},"e":"\u00e9","f":-1.5e3,"g":null})"));
  EXPECT_TRUE(matches(grammar, "{}"));
  EXPECT_FALSE(matches(grammar, "[]"));
  EXPECT_FALSE(matches(grammar, R"({"a":})"));
  EXPECT_FALSE(matches(grammar, R"({"a" 1})"));
}

TEST(JsonSchemaGbnf, PropertyOrderFollowsTheJsonType) {
  const char* schema = R"({"properties":{"z":{"const":1},"a":{"const":2}},"required":["z","a"]})";
  auto ordered = compile(*json_schema_to_gbnf(ojson::parse(schema)));
  EXPECT_TRUE(matches(ordered, R"({"z":1,"a":2})"));
  EXPECT_FALSE(matches(ordered, R"({"a":2,"z":1})"));
  auto sorted = compile(*json_schema_to_gbnf(nlohmann::json::parse(schema)));  // std::map: keys by name
  EXPECT_TRUE(matches(sorted, R"({"a":2,"z":1})"));
}

TEST(JsonSchemaGbnf, SelfReferenceBeforeAnyOutputIsRefused) {
  Result<Grammar> grammar = compile_json_schema(ojson::parse(R"({"anyOf":[{"$ref":"#"},{"type":"null"}]})"));
  ASSERT_FALSE(grammar.ok());
  EXPECT_NE(grammar.status().message().find("left-recursive"), std::string::npos) << grammar.status().to_string();
}

TEST(JsonSchemaGbnf, SeveralSchemasInOneGrammar) {
  // As a tool call would use it: the caller's root around each function's arguments.
  std::vector<NamedJsonSchema> tools = {
      {"weather-args", ojson::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")},
      {"add-args", ojson::parse(R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]})")}};
  Result<std::string> rules = json_schemas_to_gbnf_rules(tools, "t-");
  ASSERT_TRUE(rules.ok()) << rules.status().to_string();
  EXPECT_EQ(rules->find("\nws ::="), std::string::npos) << "every rule but the named ones is prefixed";
  std::string root = "root ::= \"weather \" weather-args | \"add \" add-args\nws ::= \"caller's own\"\n";
  auto grammar = compile(root + *rules);
  EXPECT_TRUE(matches(grammar, R"(weather {"city":"Oslo"})"));
  EXPECT_TRUE(matches(grammar, R"(add {"a":1, "b":2})"));
  EXPECT_FALSE(matches(grammar, R"(add {"city":"Oslo"})"));
  EXPECT_FALSE(json_schemas_to_gbnf_rules({{"t-x", ojson::object()}}, "t-").ok());
  EXPECT_FALSE(json_schemas_to_gbnf_rules({{"a b", ojson::object()}}, "t-").ok());
  EXPECT_FALSE(json_schemas_to_gbnf_rules({{"x", ojson::object()}, {"x", ojson::object()}}, "t-").ok());
  EXPECT_FALSE(json_schemas_to_gbnf_rules({{"x", ojson::object()}}, "").ok());
  Result<std::string> bad = json_schemas_to_gbnf_rules({{"x", ojson::parse(R"({"if":1})")}}, "t-");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'x'"), std::string::npos);
}

TEST(JsonSchemaGbnf, CompileParsesToAGrammar) {
  Result<Grammar> grammar = compile_json_schema(nlohmann::json::parse(R"({"type":"object","properties":{"z":{},"a":{}}})"));
  ASSERT_TRUE(grammar.ok()) << grammar.status().to_string();
  EXPECT_FALSE(grammar->rules.empty());
}

}  // namespace
}  // namespace herd::grammar
