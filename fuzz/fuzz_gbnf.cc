// GBNF text from the fuzzer: parse_gbnf must return a grammar or an error, never crash or hang.
// When it parses, a matcher runs over the input's last bytes (taking those the grammar allows)
// and its token mask must equal every token tried one by one; a copy must stay independent.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_trie.h"

namespace {

using namespace herd::grammar;

// Single bytes, some multi-byte tokens, an empty control piece and an end token.
const std::shared_ptr<const TokenTrie>& vocab() {
  static const auto trie = [] {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
    for (const char* p : {"ab", "abc", "{\"", "\":", "  ", "\n\n", "\xC3\xA9", "\xE4\xB8", "\xAD", "true", "12", "-1", "xx", "::="}) {
      pieces.emplace_back(p);
    }
    pieces.emplace_back();
    pieces.emplace_back();
    return std::make_shared<const TokenTrie>(pieces);
  }();
  return trie;
}

int32_t end_token() { return vocab()->n_vocab() - 1; }

void check_mask(GrammarMatcher& m) {
  const TokenMask& mask = m.allowed_tokens();
  for (int32_t id = 0; id < vocab()->n_vocab(); ++id) {
    bool expected;
    if (id == end_token()) {
      expected = m.can_end() && !m.is_ended();
    } else {
      GrammarMatcher copy(m);
      expected = !m.is_ended() && !vocab()->piece(id).empty() && copy.accept_bytes(vocab()->piece(id));
    }
    if (m.is_ended()) continue;  // after the end the mask is the end tokens; accept refuses all
    if (mask.allows(id) != expected) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  GbnfLimits limits;
  limits.max_rules = 2000;
  limits.max_repeat = 64;
  limits.max_elements = 20000;
  herd::Result<Grammar> grammar = parse_gbnf(text, "root", limits);
  if (!grammar.ok()) {
    if (grammar.status().code() != herd::StatusCode::kInvalidArgument ||
        grammar.status().message().rfind("line ", 0) != 0) {
      __builtin_trap();
    }
    return 0;
  }
  if (!validate(grammar.value()).ok()) __builtin_trap();  // parse_gbnf promises a valid grammar
  MatcherLimits matcher_limits;
  matcher_limits.max_stacks = 128;
  matcher_limits.max_cached_masks = 16;
  auto compiled = CompiledGrammar::create(std::move(grammar).value(), vocab(), {end_token()}, matcher_limits);
  if (!compiled.ok()) return 0;  // too ambiguous at its start
  GrammarMatcher m(compiled.value());
  check_mask(m);
  const std::string_view tail = text.substr(size > 24 ? size - 24 : 0);
  for (char c : tail) {
    GrammarMatcher before(m);
    if (m.accept_bytes(std::string_view(&c, 1))) {
      check_mask(before);  // the copy is unaffected by what m took
    } else if (m.is_dead()) {
      __builtin_trap();  // a refusal must leave the state as it was
    }
  }
  check_mask(m);
  if (m.can_end() && !m.accept_token(end_token())) __builtin_trap();
  return 0;
}
