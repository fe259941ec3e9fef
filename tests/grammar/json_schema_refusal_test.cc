// What the JSON schema compiler refuses, and that the message names the keyword and where.
#include <gtest/gtest.h>

#include <string>

#include "grammar/json_schema_gbnf.h"

namespace herd::grammar {
namespace {

using ojson = nlohmann::ordered_json;

// The refusal message for a schema (the test fails if it compiles).
std::string refusal(const std::string& schema_text, const JsonSchemaLimits& limits = JsonSchemaLimits()) {
  Result<std::string> gbnf = json_schema_to_gbnf(ojson::parse(schema_text), limits);
  EXPECT_FALSE(gbnf.ok()) << schema_text << " compiled to:\n" << (gbnf.ok() ? *gbnf : "");
  if (gbnf.ok()) return "";
  EXPECT_EQ(gbnf.status().code(), StatusCode::kInvalidArgument);
  return gbnf.status().message();
}

TEST(JsonSchemaRefusal, UnknownKeywordNamesKeywordAndPointer) {
  EXPECT_EQ(refusal(R"({"type":"object","properties":{"a/b":{"type":"integer","multipleOf":3}}})"),
            "JSON schema keyword 'multipleOf' at #/properties/a~1b is not supported");
  EXPECT_EQ(refusal(R"({"type":"array","items":{"uniqueItems":true}})"),
            "JSON schema keyword 'uniqueItems' at #/items is not supported");
  EXPECT_EQ(refusal(R"({"patternProperties":{}})"), "JSON schema keyword 'patternProperties' at # is not supported");
  for (const char* k : {"minProperties", "maxProperties", "propertyNames", "contains", "if", "not", "dependentRequired",
                        "unevaluatedProperties", "$dynamicRef", "$anchor"}) {
    std::string schema = std::string(R"({")") + k + R"(":1})";
    EXPECT_NE(refusal(schema).find(std::string("'") + k + "'"), std::string::npos) << k;
  }
}

TEST(JsonSchemaRefusal, RegexConstructsOutsideTheSubset) {
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"(a)\\1"})j").find("backreferences"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"a(?=b)"})j").find("lookahead"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"(?<!a)b"})j").find("lookbehind"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"a+?"})j").find("lazy"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"\\bword"})j").find("word boundaries"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"a^b"})j").find("'^'"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"(a$)"})j").find("'$'"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"(a"})j").find("missing ')'"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"[^\\s\\S]"})j").find("matches nothing"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"(a?)*"})j").find("can be empty"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"*"})j").find("nothing to repeat"), std::string::npos);
  // The keyword and place come first.
  EXPECT_EQ(refusal(R"j({"properties":{"p":{"pattern":"\\k<x>"}}})j").rfind("JSON schema keyword 'pattern' at #/properties/p: ", 0), 0u);
}

TEST(JsonSchemaRefusal, BoundsThatCannotBeEnforcedExactly) {
  EXPECT_EQ(refusal(R"({"type":"number","minimum":0.5})"),
            "JSON schema keyword 'minimum' at #: only integer bounds are supported on numbers");
  EXPECT_NE(refusal(R"({"type":"number","exclusiveMaximum":1.25})").find("'exclusiveMaximum'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"integer","minimum":1e300})").find("'minimum'"), std::string::npos);
  EXPECT_NE(refusal(R"j({"type":"string","pattern":"a","maxLength":3})j").find("'maxLength'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"string","format":"date","minLength":3})").find("'minLength'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"string","format":"uri"})").find("'uri'"), std::string::npos);
  EXPECT_NE(refusal(R"({"enum":["a"],"maxLength":3})").find("'maxLength'"), std::string::npos);
}

TEST(JsonSchemaRefusal, SchemasThatAdmitNothing) {
  EXPECT_NE(refusal("false").find("false"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"integer","minimum":5,"maximum":4})").find("'minimum'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"integer","exclusiveMinimum":4,"exclusiveMaximum":5})").find("'exclusiveMinimum'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"number","minimum":3,"exclusiveMaximum":3})").find("no number"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"array","minItems":3,"maxItems":2})").find("'minItems'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"array","prefixItems":[{}],"items":false,"minItems":2})").find("'minItems'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"string","minLength":3,"maxLength":2})").find("'minLength'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"string","enum":[1,2]})").find("'enum'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"object","required":["x"],"additionalProperties":false})").find("'x'"), std::string::npos);
  EXPECT_NE(refusal(R"({"allOf":[{"type":"string"},{"type":"integer"}]})").find("'type'"), std::string::npos);
  EXPECT_NE(refusal(R"({"allOf":[{"properties":{"a":{}},"additionalProperties":false},{"properties":{"b":{}}}]})")
                .find("'additionalProperties'"),
            std::string::npos);
}

TEST(JsonSchemaRefusal, ReferencesOutsideTheDocument) {
  EXPECT_NE(refusal(R"({"$ref":"other.json#/x"})").find("'$ref'"), std::string::npos);
  EXPECT_NE(refusal(R"({"$ref":"#anchor"})").find("anchors"), std::string::npos);
  EXPECT_NE(refusal(R"({"$defs":{},"$ref":"#/$defs/missing"})").find("no 'missing'"), std::string::npos);
  EXPECT_NE(refusal(R"({"$defs":{"a":{}},"$ref":"#/$defs/a/~2"})").find("'~'"), std::string::npos);
  EXPECT_NE(refusal(R"({"$ref":5})").find("must be a string"), std::string::npos);
}

TEST(JsonSchemaRefusal, MalformedKeywordValues) {
  EXPECT_NE(refusal(R"({"type":5})").find("'type'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"strin"})").find("unknown type 'strin'"), std::string::npos);
  EXPECT_NE(refusal(R"({"properties":[]})").find("'properties'"), std::string::npos);
  EXPECT_NE(refusal(R"({"required":"a"})").find("'required'"), std::string::npos);
  EXPECT_NE(refusal(R"({"maxItems":-1})").find("'maxItems'"), std::string::npos);
  EXPECT_NE(refusal(R"({"minLength":1.5})").find("'minLength'"), std::string::npos);
  EXPECT_NE(refusal(R"({"anyOf":[]})").find("'anyOf'"), std::string::npos);
  EXPECT_NE(refusal(R"({"enum":[]})").find("'enum'"), std::string::npos);
  EXPECT_NE(refusal(R"({"nullable":"yes"})").find("'nullable'"), std::string::npos);
  EXPECT_NE(refusal("[1]").find("must be an object or a boolean"), std::string::npos);
}

TEST(JsonSchemaRefusal, Limits) {
  JsonSchemaLimits limits;
  limits.max_schema_nodes = 10;
  std::string wide = R"({"type":"object","properties":{)";
  for (int i = 0; i < 20; ++i) wide += (i ? "," : "") + std::string("\"p") + std::to_string(i) + R"(":{"type":"string"})";
  wide += "}}";
  EXPECT_NE(refusal(wide, limits).find("more than 10"), std::string::npos);

  limits = JsonSchemaLimits();
  limits.max_depth = 8;
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += R"({"type":"array","items":)";
  deep += "{}";
  for (int i = 0; i < 20; ++i) deep += "}";
  EXPECT_NE(refusal(deep, limits).find("deeper than 8"), std::string::npos);

  limits = JsonSchemaLimits();
  limits.max_enumerated = 100;
  EXPECT_NE(refusal(R"({"type":"array","minItems":101})", limits).find("'minItems'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"string","maxLength":1000})", limits).find("'maxLength'"), std::string::npos);
  // allOf members that double at every level would copy 2^20 schemas: refused, not run.
  ojson doubling = {{"$ref", "#/$defs/b0"}, {"$defs", ojson::object()}};
  for (int i = 0; i < 20; ++i) {
    std::string next = "#/$defs/b" + std::to_string(i + 1);
    doubling["$defs"]["b" + std::to_string(i)] = {{"allOf", ojson::array({ojson{{"$ref", next}}, ojson{{"$ref", next}}})}};
  }
  doubling["$defs"]["b20"] = {{"type", "object"}, {"properties", {{"x", {{"type", "integer"}}}}}};
  Result<std::string> doubled = json_schema_to_gbnf(doubling);
  ASSERT_FALSE(doubled.ok());
  EXPECT_NE(doubled.status().message().find("too many copies"), std::string::npos) << doubled.status().to_string();
  // A $ref chain through the same definition is not nesting: refs compile once.
  EXPECT_TRUE(json_schema_to_gbnf(ojson::parse(R"({"$defs":{"n":{"type":"array","items":{"$ref":"#/$defs/n"}}},"$ref":"#/$defs/n"})"),
                                  limits).ok());
}

}  // namespace
}  // namespace herd::grammar
