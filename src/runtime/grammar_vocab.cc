#include "runtime/grammar_vocab.h"

#include <string>

#include "tokenizer/tokenizer.h"

namespace herd {

std::shared_ptr<const GrammarVocab> build_grammar_vocab(const Tokenizer& tokenizer) {
  const int32_t n_vocab = tokenizer.vocab().n_tokens();
  std::vector<std::string> pieces(static_cast<size_t>(n_vocab));
  auto vocab = std::make_shared<GrammarVocab>();
  for (int32_t id = 0; id < n_vocab; ++id) {
    pieces[static_cast<size_t>(id)] = tokenizer.token_to_piece(id);  // control tokens: ""
    if (tokenizer.is_end_of_generation(id)) vocab->end_tokens.push_back(id);
  }
  vocab->trie = std::make_shared<const grammar::TokenTrie>(pieces);
  return vocab;
}

Result<std::shared_ptr<const grammar::CompiledGrammar>> GrammarVocab::compiled(
    const std::string& key, const std::function<Result<grammar::Grammar>()>& build) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = recent_.begin(); it != recent_.end(); ++it) {
      if (it->first == key) {
        recent_.splice(recent_.begin(), recent_, it);
        return recent_.front().second;
      }
    }
  }
  HERD_ASSIGN_OR_RETURN(grammar::Grammar g, build());
  HERD_ASSIGN_OR_RETURN(std::shared_ptr<const grammar::CompiledGrammar> compiled,
                        grammar::CompiledGrammar::create(std::move(g), trie, end_tokens));
  std::lock_guard<std::mutex> lock(mu_);
  recent_.emplace_front(key, compiled);  // two requests racing both compile; both entries are right
  if (recent_.size() > kMaxCompiled) recent_.pop_back();
  return compiled;
}

std::shared_ptr<const GrammarVocab> LazyGrammarVocab::get(const Tokenizer& tokenizer) const {
  std::call_once(once_, [&] { vocab_ = build_grammar_vocab(tokenizer); });
  return vocab_;
}

}  // namespace herd
