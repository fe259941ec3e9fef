// Shared by the grammar tests: a byte vocabulary, compiling GBNF text, whole-input matching and
// the brute-force mask (every token tried one by one) that allowed_tokens() must equal.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_trie.h"

namespace herd::grammar::testing {

// Ids 0..255: the single bytes; 256: an end token (no bytes).
inline constexpr int32_t kByteEos = 256;

inline std::shared_ptr<const TokenTrie> byte_trie() {
  std::vector<std::string> pieces;
  for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
  pieces.emplace_back();
  return std::make_shared<const TokenTrie>(pieces);
}

inline std::shared_ptr<const CompiledGrammar> compile(const std::string& gbnf,
                                                     std::shared_ptr<const TokenTrie> trie = byte_trie(),
                                                     std::vector<int32_t> end_tokens = {kByteEos},
                                                     const MatcherLimits& limits = MatcherLimits()) {
  Result<Grammar> g = parse_gbnf(gbnf);
  EXPECT_TRUE(g.ok()) << g.status().to_string() << "\n" << gbnf;
  if (!g.ok()) return nullptr;
  auto compiled = CompiledGrammar::create(std::move(g).value(), std::move(trie), std::move(end_tokens), limits);
  EXPECT_TRUE(compiled.ok()) << compiled.status().to_string();
  return compiled.ok() ? compiled.value() : nullptr;
}

// Whether `input` is a whole sentence of the grammar.
inline bool matches(const std::shared_ptr<const CompiledGrammar>& g, const std::string& input) {
  GrammarMatcher m(g);
  return m.accept_bytes(input) && m.can_end();
}

// Whether `input` is a prefix of some sentence.
inline bool accepts_prefix(const std::shared_ptr<const CompiledGrammar>& g, const std::string& input) {
  GrammarMatcher m(g);
  return m.accept_bytes(input);
}

// What allowed_tokens() must be: each token's bytes tried on a copy (accept_bytes does not look
// at masks), end tokens exactly where the matcher can end.
inline std::vector<bool> brute_force_mask(const GrammarMatcher& m, const TokenTrie& trie, const std::vector<int32_t>& end_tokens) {
  std::vector<bool> allowed(size_t(trie.n_vocab()), false);
  for (int32_t id = 0; id < trie.n_vocab(); ++id) {
    const std::string_view piece = trie.piece(id);
    if (piece.empty()) continue;
    GrammarMatcher copy(m);
    allowed[size_t(id)] = copy.accept_bytes(piece);
  }
  for (int32_t id : end_tokens) allowed[size_t(id)] = m.can_end();
  return allowed;
}

// Ids where the two differ (empty when equal), at most 10.
inline std::vector<int32_t> mask_differences(const TokenMask& mask, const std::vector<bool>& expected) {
  std::vector<int32_t> diff;
  for (size_t id = 0; id < expected.size() && diff.size() < 10; ++id) {
    if (mask.allows(int32_t(id)) != expected[id]) diff.push_back(int32_t(id));
  }
  return diff;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The seed grammars of fuzz/corpus/gbnf (json.gbnf, arithmetic.gbnf, ...).
inline std::string seed_grammar(const std::string& name) {
  return read_text(std::string(HERD_SOURCE_DIR) + "/fuzz/corpus/gbnf/" + name);
}

}  // namespace herd::grammar::testing
