// compile_constraint: apart from the parsing in output_constraint.cc, which the request fuzzer
// builds on its own (without the grammar layer and the runtime).
#include <functional>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_gbnf.h"
#include "runtime/grammar_vocab.h"
#include "server/output_constraint.h"
#include "server/reasoning_prefix.h"

namespace herd::server {

Result<std::shared_ptr<const grammar::CompiledGrammar>> compile_constraint(const OutputConstraint& constraint,
                                                                           const GrammarVocab& vocab,
                                                                           const std::string& reasoning_close) {
  using Kind = OutputConstraint::Kind;
  std::function<Result<grammar::Grammar>()> build;
  std::string key;
  switch (constraint.kind) {
    case Kind::kNone:
      return std::shared_ptr<const grammar::CompiledGrammar>();
    case Kind::kJsonObject:
      key = "json_object";
      build = [] { return grammar::parse_gbnf(grammar::json_object_gbnf()); };
      break;
    case Kind::kJsonSchema:
      key = "json_schema " + constraint.schema.dump();
      build = [&] { return grammar::compile_json_schema(constraint.schema); };
      break;
    case Kind::kGbnf:
      key = "gbnf " + constraint.gbnf;
      build = [&] { return grammar::parse_gbnf(constraint.gbnf); };
      break;
  }
  if (reasoning_close.empty()) return vocab.compiled(key, build);
  return vocab.compiled("after " + reasoning_close + " " + key, [&]() -> Result<grammar::Grammar> {
    HERD_ASSIGN_OR_RETURN(grammar::Grammar answer, build());
    return after_open_reasoning(answer, reasoning_close);
  });
}

}  // namespace herd::server
