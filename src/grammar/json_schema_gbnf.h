// JSON schemas (response_format json_schema, tool parameters) compiled to GBNF text, which
// parse_gbnf() turns into a Grammar. GBNF in between keeps what is enforced readable (it is what
// `herd grammar --schema FILE` prints and what the tests read) and gives one grammar parser.
//
// Supported: type (string, number, integer, boolean, null, object, array, and lists of them),
// properties, required, additionalProperties (false, true, or a schema), enum, const, items,
// prefixItems (and draft-4 items arrays with additionalItems), minItems/maxItems, anyOf/oneOf
// (oneOf as anyOf: exclusivity is not enforced, so overlapping members can give an output that
// matches two), allOf (members merged keyword by keyword, json_schema_merge.h; keywords next to
// anyOf/oneOf/$ref are merged into each member likewise), $ref to "#" and JSON pointers such as
// "#/$defs/..." and "#/definitions/..." (recursive too; a schema that reaches itself before any
// output, {"anyOf":[{"$ref":"#"}]}, fails in parse_gbnf as left recursion), nullable (OpenAPI)
// and type lists with "null", string minLength/maxLength/pattern (the regex subset in
// regex_gbnf.h)/format (date, time, date-time, uuid, email), integer
// minimum/maximum/exclusiveMinimum/exclusiveMaximum, number minimum/maximum (and exclusive),
// and annotations that change nothing (title, description, default, examples, $schema, $id,
// $comment, deprecated, readOnly, writeOnly, contentEncoding, contentMediaType, and OpenAPI's
// discriminator). A property whose schema is false is left out (required: refused). Anything else is refused: kInvalidArgument
// "JSON schema keyword 'X' at #/json/pointer is not supported", never silently ignored; so are
// bounds herd cannot enforce exactly (a fractional number bound, a pattern with a length...)
// and schemas that admit nothing (false, minItems > maxItems...).
//
// Output shape (valid for the schema, except where oneOf members overlap; often narrower):
// - properties in the schema's order (required ones always, optional ones may be left out);
//   keep the order by passing an ordered_json (nlohmann::json sorts keys by name);
// - additionalProperties absent: no other keys (JSON schema would allow any; models given the
//   freedom ramble). true or a schema: extra keys after the listed ones, plain characters only
//   (no escapes), never one of the listed names (so a listed key cannot repeat). Extra keys may
//   repeat each other;
// - whitespace between tokens is one space, or a line break and at most 8 spaces or tabs ("ws" in
//   json_value_gbnf.h), so a sampler cannot loop on it forever; none before or after the value;
// - numbers in JSON's grammar with at most 18 integer digits, 16 fraction digits and a 2-digit
//   exponent; bounded numbers and all integers have no exponent; integer bounds are exact, and
//   number bounds must be integers (then exact, fraction included);
// - strings with JSON escapes, \u never a surrogate; minLength/maxLength count characters (an
//   escape is one); enum and const values are matched in their compact JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "grammar/grammar.h"

namespace herd::grammar {

struct JsonSchemaLimits {
  size_t max_schema_nodes = 10000;  // schemas come from requests
  size_t max_depth = 64;            // sub-schemas open at once, $ref targets included (a recursive
                                    // $ref compiles once, so recursion itself costs nothing)
  uint32_t max_enumerated = 10000;  // enum/const values, minItems/maxItems, minLength/maxLength
};

// The GBNF for values matching `schema`, root rule "root". The nlohmann::json overload sees
// properties in name order; parse the schema as ordered_json to keep the author's order.
Result<std::string> json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                        const JsonSchemaLimits& limits = JsonSchemaLimits());
Result<std::string> json_schema_to_gbnf(const nlohmann::json& schema, const JsonSchemaLimits& limits = JsonSchemaLimits());
// Several schemas in one grammar (tool calls: the arguments of each function): GBNF with no
// root, where rule `rule` matches the values of its schema and every other rule name starts with
// `prefix` (so the caller's rules cannot collide). The caller writes root and the text around
// the values, and parses the two texts together. The JSON rules (ws, string...) are shared.
struct NamedJsonSchema {
  std::string rule;  // [a-zA-Z0-9-]+, not "root", not starting with the prefix
  nlohmann::ordered_json schema;
};
Result<std::string> json_schemas_to_gbnf_rules(const std::vector<NamedJsonSchema>& schemas, std::string_view prefix,
                                               const JsonSchemaLimits& limits = JsonSchemaLimits());
// Any JSON object (response_format {"type": "json_object"}), nested values of any depth.
std::string json_object_gbnf();
// Both steps: schema -> GBNF -> Grammar.
Result<Grammar> compile_json_schema(const nlohmann::ordered_json& schema,
                                    const JsonSchemaLimits& limits = JsonSchemaLimits());
Result<Grammar> compile_json_schema(const nlohmann::json& schema, const JsonSchemaLimits& limits = JsonSchemaLimits());

}  // namespace herd::grammar
