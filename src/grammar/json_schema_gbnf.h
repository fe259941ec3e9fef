// JSON schemas (response_format json_schema, tool parameters) compiled to GBNF text, which
// parse_gbnf() turns into a Grammar. GBNF in between keeps what is enforced readable (it is what
// `herd grammar --schema FILE` prints and what the tests read) and gives one grammar parser.
//
// Supported: type (string, number, integer, boolean, null, object, array, and lists of them),
// properties, required, additionalProperties (false, true, or a schema), enum, const, items,
// prefixItems, minItems/maxItems, anyOf/oneOf (oneOf as anyOf: exclusivity is not enforced),
// allOf of object schemas (merged), $ref to "#", "#/$defs/..." and "#/definitions/..." (recursive
// too), nullable (OpenAPI) and type lists with "null", string minLength/maxLength/pattern (the
// regex subset in regex_gbnf.h)/format (date, time, date-time, uuid, email), integer
// minimum/maximum/exclusiveMinimum/exclusiveMaximum, number minimum/maximum (and exclusive),
// and annotations that change nothing (title, description, default, examples, $schema, $id,
// $comment, deprecated, readOnly, writeOnly). Anything else is refused: kInvalidArgument
// "JSON schema keyword 'X' at /json/pointer is not supported", never silently ignored.
//
// Output shape: properties in the schema's order (required ones always, optional ones may be
// left out), whitespace limited to what keeps outputs finite ("ws" is at most a few spaces or
// newlines), numbers in JSON's grammar (no leading zeros), strings with JSON escapes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "grammar/grammar.h"

namespace herd::grammar {

struct JsonSchemaLimits {
  size_t max_schema_nodes = 10000;  // schemas come from requests
  size_t max_depth = 64;            // nesting of schemas (not of $ref recursion, which is fine)
  uint32_t max_enumerated = 10000;  // enum/const values, minItems/maxItems, minLength/maxLength
};

// The GBNF for values matching `schema`, root rule "root".
Result<std::string> json_schema_to_gbnf(const nlohmann::json& schema, const JsonSchemaLimits& limits = JsonSchemaLimits());
// Any JSON object (response_format {"type": "json_object"}).
std::string json_object_gbnf();
// Both steps: schema -> GBNF -> Grammar.
Result<Grammar> compile_json_schema(const nlohmann::json& schema, const JsonSchemaLimits& limits = JsonSchemaLimits());

}  // namespace herd::grammar
