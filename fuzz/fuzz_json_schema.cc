// JSON schemas from arbitrary bytes: when the bytes parse as JSON (within the request limits),
// compile them to GBNF and parse that GBNF. The compiler must never crash, hang or grow without
// bound, and what it emits must be GBNF the parser takes (it may still refuse a grammar for a
// limit or for left recursion, which a schema can ask for: {"anyOf":[{"$ref":"#"}]}). Then a
// walk through a matcher over single bytes, steered by the input's bytes and towards closing
// quotes and brackets: whatever it ends with must be JSON.
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include <memory>
#include <vector>

#include "base/json_limits.h"
#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_gbnf.h"
#include "grammar/token_trie.h"

namespace {

constexpr int32_t kEnd = 256;

std::shared_ptr<const herd::grammar::TokenTrie> byte_trie() {
  static const auto trie = [] {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
    pieces.emplace_back();
    return std::make_shared<const herd::grammar::TokenTrie>(pieces);
  }();
  return trie;
}

void walk(herd::grammar::Grammar grammar, std::string_view steer) {
  auto compiled = herd::grammar::CompiledGrammar::create(std::move(grammar), byte_trie(), {kEnd});
  if (!compiled.ok()) return;
  herd::grammar::GrammarMatcher m(*compiled);
  std::string out;
  for (size_t step = 0; step < 400; ++step) {
    if (m.can_end()) {
      if (nlohmann::json::parse(out, nullptr, false).is_discarded()) {
        std::fprintf(stderr, "a sentence of the schema's grammar is not JSON: %s\n", out.c_str());
        __builtin_trap();
      }
      return;
    }
    const herd::grammar::TokenMask& mask = m.allowed_tokens();
    std::vector<int> allowed;
    for (int b = 0; b < 256; ++b) {
      if (mask.allows(b)) allowed.push_back(b);
    }
    if (allowed.empty()) return;
    int pick = allowed[uint8_t(steer.empty() ? 0 : steer[step % steer.size()]) % allowed.size()];
    for (int closing : {'"', '}', ']'}) {
      if (step > 60 && mask.allows(closing)) pick = closing;
    }
    out += char(pick);
    if (!m.accept_token(pick)) __builtin_trap();  // the mask allowed it
  }
}

}  // namespace

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
    // An exception caught at the boundary means a check is missing inside. The boundary's
    // message starts so; a schema's own words (a keyword the fuzzer named "json.exception",
    // echoed in the middle of a refusal) are no sign of one.
    if (gbnf.status().code() != herd::StatusCode::kInvalidArgument ||
        gbnf.status().message().rfind("JSON schema: [json.exception.", 0) == 0) {
      std::fprintf(stderr, "refusal with the wrong code: %s\n", gbnf.status().to_string().c_str());
      __builtin_trap();
    }
    return 0;
  }
  herd::Result<herd::grammar::Grammar> grammar = herd::grammar::parse_gbnf(*gbnf);
  if (!grammar.ok() && grammar.status().message().find("line ") != std::string::npos &&
      grammar.status().message().find("recurs") == std::string::npos &&
      grammar.status().message().find("more than") == std::string::npos &&
      grammar.status().message().find("limit") == std::string::npos) {
    // A syntax error in generated GBNF is a compiler bug.
    std::fprintf(stderr, "generated GBNF does not parse: %s\n%s\n", grammar.status().to_string().c_str(), gbnf->c_str());
    __builtin_trap();
  }
  if (grammar.ok()) walk(std::move(grammar).value(), text);
  return 0;
}
