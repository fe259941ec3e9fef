// Runs a Grammar over bytes and tokens: a pushdown automaton whose state is the set of
// possible stacks (continuations), so ambiguous grammars work. At each step it says which
// tokens may come next (a bitmask over the vocabulary, the end-of-generation tokens included
// exactly when the grammar can end here) and advances on the token that was sampled.
//
// Masks are cached per state (a canonical form of the stack set), so a step inside a JSON string
// or any other loop that returns to the same state costs a lookup, not a walk of the trie; a
// miss walks the TokenTrie once, descending only into bytes some stack accepts.
//
// One matcher per sequence (it is not thread-safe); the compiled grammar, the trie and the
// mask cache are shared by every matcher of a request (CompiledGrammar is thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "grammar/grammar.h"
#include "grammar/token_trie.h"

namespace herd::grammar {

// A token mask: bit id set = token id allowed. words.size() == ceil(n_vocab / 64).
struct TokenMask {
  std::vector<uint64_t> words;
  bool allows(int32_t id) const { return (words[size_t(id) >> 6] >> (id & 63)) & 1; }
};

struct MatcherLimits {
  size_t max_stacks = 4096;        // more possible stacks than this: the grammar is too ambiguous
  size_t max_cached_masks = 4096;  // per CompiledGrammar, least recently used dropped
};

class CompiledGrammar {
 public:
  // `end_tokens`: the ids that end generation (EOS, EOT...), allowed where the grammar may end.
  static Result<std::shared_ptr<const CompiledGrammar>> create(Grammar grammar, std::shared_ptr<const TokenTrie> trie,
                                                              std::vector<int32_t> end_tokens,
                                                              const MatcherLimits& limits = MatcherLimits());
  ~CompiledGrammar();
  const Grammar& grammar() const;
  const TokenTrie& trie() const;
  size_t cached_masks() const;  // masks in the shared cache now
  size_t cache_hits() const;    // lookups the cache answered so far (tests, benchmarks)
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit CompiledGrammar(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar);
  ~GrammarMatcher();
  GrammarMatcher(GrammarMatcher&&) noexcept;
  GrammarMatcher& operator=(GrammarMatcher&&) noexcept;
  GrammarMatcher(const GrammarMatcher&);  // a fork (n > 1 choices share the prompt's state)

  // The tokens allowed next. Never empty while !is_dead(): where the grammar must end, the end
  // tokens are the mask (unless the vocabulary cannot spell any continuation at all). After an
  // end token, the end tokens. A cache hit is a lookup; the reference stays valid until the
  // matcher next moves.
  const TokenMask& allowed_tokens();
  // Advances on a token (its bytes, or an end token). false: the token is not allowed here and
  // nothing changed.
  bool accept_token(int32_t id);
  // Advances on raw bytes (tests; text forced into the output). false: refused, nothing changed.
  bool accept_bytes(std::string_view bytes);

  bool can_end() const;   // the bytes so far form a complete sentence of the grammar
  bool is_ended() const;  // an end token was accepted
  bool is_dead() const;   // no stack left (cannot happen through accept_*: they refuse instead)

 private:
  struct State;
  std::shared_ptr<const CompiledGrammar> grammar_;
  std::unique_ptr<State> state_;
};

}  // namespace herd::grammar
