// Schemas in the shapes client libraries write (pydantic v2 model_json_schema, zod-to-json-schema
// as OpenAI's helpers use it, OpenAPI tool parameters): each compiles, and random walks through
// its grammar give JSON the independent validator accepts.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../support/json_schema_validator.h"
#include "grammar/json_schema_gbnf.h"
#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using herd::testing::JsonSchemaValidator;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr const char* kPydantic = R"({
  "$defs": {
    "Address": {"properties": {"street": {"title": "Street", "type": "string"},
                               "zip": {"pattern": "^\\d{5}$", "title": "Zip", "type": "string"}},
                "required": ["street", "zip"], "title": "Address", "type": "object"},
    "Color": {"enum": ["red", "green", "blue"], "title": "Color", "type": "string"}
  },
  "properties": {
    "id": {"format": "uuid", "title": "Id", "type": "string"},
    "name": {"maxLength": 20, "minLength": 1, "title": "Name", "type": "string"},
    "age": {"anyOf": [{"maximum": 150, "minimum": 0, "type": "integer"}, {"type": "null"}], "default": null, "title": "Age"},
    "score": {"exclusiveMinimum": 0, "maximum": 1, "title": "Score", "type": "number"},
    "color": {"$ref": "#/$defs/Color"},
    "home": {"$ref": "#/$defs/Address", "description": "where they live"},
    "tags": {"items": {"type": "string"}, "maxItems": 3, "title": "Tags", "type": "array"},
    "born": {"format": "date", "title": "Born", "type": "string"},
    "kind": {"const": "person", "title": "Kind", "type": "string"},
    "extra": {"additionalProperties": {"type": "integer"}, "title": "Extra", "type": "object"},
    "pair": {"maxItems": 2, "minItems": 2, "prefixItems": [{"type": "integer"}, {"type": "string"}], "title": "Pair", "type": "array"}
  },
  "required": ["id", "name", "color", "home", "kind"],
  "title": "Person", "type": "object"
})";

constexpr const char* kZodStrict = R"({
  "type": "object",
  "properties": {
    "steps": {"type": "array", "items": {"$ref": "#/definitions/step"}},
    "final_answer": {"type": "string"},
    "when": {"type": ["string", "null"], "format": "date-time"},
    "mood": {"type": "string", "enum": ["happy", "sad"]},
    "contact": {"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]}
  },
  "required": ["steps", "final_answer", "when", "mood", "contact"],
  "additionalProperties": false,
  "definitions": {
    "step": {"type": "object", "properties": {"explanation": {"type": "string"}, "output": {"type": "number"}},
             "required": ["explanation", "output"], "additionalProperties": false}
  },
  "$schema": "http://json-schema.org/draft-07/schema#"
})";

constexpr const char* kToolParameters = R"({
  "type": "object",
  "properties": {
    "location": {"type": "string", "description": "City and country, e.g. Bogota, Colombia"},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "nullable": true},
    "days": {"type": "integer", "minimum": 1, "maximum": 14},
    "at": {"type": "string", "format": "time"},
    "filters": {"allOf": [{"properties": {"rain": {"type": "boolean"}}}, {"properties": {"wind": {"type": "number", "minimum": 0}}}]},
    "tree": {"$ref": "#/$defs/node"}
  },
  "required": ["location"],
  "$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}}, "required": ["v"]}}
})";

class RealisticSchema : public ::testing::TestWithParam<const char*> {};

TEST_P(RealisticSchema, WalksValidate) {
  ojson schema = ojson::parse(GetParam());
  Result<std::string> gbnf = json_schema_to_gbnf(schema);
  ASSERT_TRUE(gbnf.ok()) << gbnf.status().to_string();
  auto grammar = testing::compile(*gbnf);
  ASSERT_NE(grammar, nullptr);
  JsonSchemaValidator validator{json(schema)};
  std::mt19937_64 rng(42);
  int finished = 0;
  for (int i = 0; i < 60; ++i) {
    std::string out;
    if (!testing::random_walk(grammar, rng, out)) continue;
    ++finished;
    json parsed = json::parse(out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << out;
    EXPECT_EQ(validator.validate(parsed), "") << out;
  }
  EXPECT_GT(finished, 50);
}

INSTANTIATE_TEST_SUITE_P(ClientShapes, RealisticSchema, ::testing::Values(kPydantic, kZodStrict, kToolParameters));

}  // namespace
}  // namespace herd::grammar
