// What a request says its output must look like: OpenAI's response_format ({"type": "text"},
// {"type": "json_object"}, {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}),
// the `grammar` extension (GBNF text, as llama-server takes it) and logit_bias. Parsed with
// the request; compiled against the model's vocabulary once the model is known
// (compile_constraint), so a schema herd cannot enforce is a 400 naming response_format.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace herd {
struct GrammarVocab;
namespace grammar {
class CompiledGrammar;
}
}  // namespace herd

namespace herd::server {

struct OutputConstraint {
  enum class Kind { kNone, kJsonObject, kJsonSchema, kGbnf };
  Kind kind = Kind::kNone;
  nlohmann::ordered_json schema;  // kJsonSchema (key order kept: outputs follow it)
  std::string gbnf;       // kGbnf
  std::string param;      // the request field it came from ("response_format" or "grammar")
};

// From the request body: response_format and grammar (at most one of them may constrain).
// kInvalidArgument with *param set on a malformed field.
Result<OutputConstraint> parse_output_constraint(const nlohmann::ordered_json& body, std::string* param);

// logit_bias: {"<token id>": bias in [-100, 100], ...} (at most 1024 entries); the ids are
// checked against the vocabulary when the model is known.
Result<std::vector<std::pair<int32_t, float>>> parse_logit_bias(const nlohmann::ordered_json& value);

// The constraint as a grammar over `vocab`; nullptr for kNone. Compiled grammars are cached by
// the vocabulary, so a schema sent again reuses its grammar and the masks it has computed.
// `reasoning_close` non-empty: the prompt opened a think block, which the model closes with it
// before the constrained answer (reasoning_prefix.h).
Result<std::shared_ptr<const grammar::CompiledGrammar>> compile_constraint(const OutputConstraint& constraint,
                                                                           const GrammarVocab& vocab,
                                                                           const std::string& reasoning_close = "");

}  // namespace herd::server
