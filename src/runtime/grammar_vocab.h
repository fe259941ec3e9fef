// The vocabulary as constrained decoding sees it: the bytes of every token in a trie (control
// tokens have none: a grammar never produces them) and the tokens that end generation, which a
// grammar allows where it may end. Built once per loaded model, on the first request that
// brings a grammar (a 152k vocabulary takes tens of milliseconds).
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "grammar/grammar.h"
#include "grammar/grammar_matcher.h"
#include "grammar/token_trie.h"

namespace herd {

class Tokenizer;

struct GrammarVocab {
  std::shared_ptr<const grammar::TokenTrie> trie;
  std::vector<int32_t> end_tokens;

  // The grammar `build` makes, compiled over this vocabulary, from a cache of the most recent
  // kMaxCompiled by `key` (the constraint's kind and text): a schema sent again reuses its
  // grammar and every mask it computed. Thread-safe; `build` runs outside the lock.
  Result<std::shared_ptr<const grammar::CompiledGrammar>> compiled(
      const std::string& key, const std::function<Result<grammar::Grammar>()>& build) const;
  static constexpr size_t kMaxCompiled = 64;

 private:
  mutable std::mutex mu_;
  mutable std::list<std::pair<std::string, std::shared_ptr<const grammar::CompiledGrammar>>> recent_;  // newest first
};

std::shared_ptr<const GrammarVocab> build_grammar_vocab(const Tokenizer& tokenizer);

// build_grammar_vocab() on first use, then the same one (thread-safe).
class LazyGrammarVocab {
 public:
  std::shared_ptr<const GrammarVocab> get(const Tokenizer& tokenizer) const;

 private:
  mutable std::once_flag once_;
  mutable std::shared_ptr<const GrammarVocab> vocab_;
};

}  // namespace herd
