// JSON schemas from arbitrary bytes: when the bytes parse as JSON (within the request limits),
// compile them to GBNF and parse that GBNF. The compiler must never crash, hang or grow without
// bound, and what it emits must be GBNF the parser takes (it may still refuse a grammar for a
// limit or for left recursion, which a schema can ask for: {"anyOf":[{"$ref":"#"}]}).
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/json_limits.h"
#include "grammar/gbnf_parser.h"
#include "grammar/json_schema_gbnf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  herd::JsonLimits shape;
  shape.subject = "the schema";
  if (!herd::check_json_shape(text, shape).ok()) return 0;
  nlohmann::ordered_json schema = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) return 0;
  herd::grammar::JsonSchemaLimits limits;
  limits.max_schema_nodes = 2000;
  limits.max_enumerated = 300;
  herd::Result<std::string> gbnf = herd::grammar::json_schema_to_gbnf(schema, limits);
  if (!gbnf.ok()) {
    if (gbnf.status().code() != herd::StatusCode::kInvalidArgument) {
      std::fprintf(stderr, "refusal with the wrong code: %s\n", gbnf.status().to_string().c_str());
      __builtin_trap();
    }
    return 0;
  }
  herd::Result<herd::grammar::Grammar> grammar = herd::grammar::parse_gbnf(*gbnf);
  if (!grammar.ok() && grammar.status().message().find("line ") != std::string::npos &&
      grammar.status().message().find("recurs") == std::string::npos &&
      grammar.status().message().find("more than") == std::string::npos) {
    // A syntax error in generated GBNF is a compiler bug.
    std::fprintf(stderr, "generated GBNF does not parse: %s\n%s\n", grammar.status().to_string().c_str(), gbnf->c_str());
    __builtin_trap();
  }
  return 0;
}
