#include "grammar/grammar_matcher.h"

#include <algorithm>

#include "grammar/grammar_stacks.h"
#include "grammar/mask_cache.h"
#include "grammar/mask_walk.h"

namespace herd::grammar {

struct CompiledGrammar::Impl {
  Impl(Grammar g, std::shared_ptr<const TokenTrie> t, std::vector<int32_t> ends, const MatcherLimits& l)
      : grammar(std::move(g)), flat(grammar), trie(std::move(t)), end_tokens(std::move(ends)), limits(l),
        cache(l.max_cached_masks) {}

  // The mask of `key`: from the cache, or one walk of the trie.
  std::shared_ptr<const TokenMask> mask_for(const StateKey& key) const {
    if (auto hit = cache.find(key)) return hit;
    auto mask = std::make_shared<const TokenMask>(compute_token_mask(flat, *trie, key, end_tokens, limits.max_stacks));
    return cache.insert(key, std::move(mask));
  }

  bool is_end_token(int32_t id) const { return std::binary_search(end_tokens.begin(), end_tokens.end(), id); }

  Grammar grammar;
  FlatGrammar flat;
  std::shared_ptr<const TokenTrie> trie;
  std::vector<int32_t> end_tokens;  // sorted, unique
  MatcherLimits limits;
  StateKey start;
  std::shared_ptr<const TokenMask> ended_mask;  // after an end token: the end tokens alone
  mutable MaskCache cache;
};

Result<std::shared_ptr<const CompiledGrammar>> CompiledGrammar::create(Grammar grammar,
                                                                      std::shared_ptr<const TokenTrie> trie,
                                                                      std::vector<int32_t> end_tokens,
                                                                      const MatcherLimits& limits) {
  if (trie == nullptr) return invalid_argument("a grammar needs the vocabulary's token trie");
  HERD_RETURN_IF_ERROR(validate(grammar));
  for (int32_t id : end_tokens) {
    if (id < 0 || id >= trie->n_vocab()) return invalid_argument("end token " + std::to_string(id) + " is not in the vocabulary");
  }
  std::sort(end_tokens.begin(), end_tokens.end());
  end_tokens.erase(std::unique(end_tokens.begin(), end_tokens.end()), end_tokens.end());
  auto impl = std::make_unique<Impl>(std::move(grammar), std::move(trie), std::move(end_tokens), limits);

  StackArena arena(impl->flat, limits.max_stacks);
  std::vector<int32_t> tops;
  if (!arena.start(tops)) {
    return resource_exhausted("the grammar is too ambiguous: its start has more than " + std::to_string(limits.max_stacks) +
                              " possible parses");
  }
  impl->start = arena.key_of(tops);
  TokenMask ended;
  ended.words.assign((size_t(impl->trie->n_vocab()) + 63) / 64, 0);
  for (int32_t id : impl->end_tokens) ended.words[size_t(id) >> 6] |= uint64_t(1) << (id & 63);
  impl->ended_mask = std::make_shared<const TokenMask>(std::move(ended));
  return std::shared_ptr<const CompiledGrammar>(new CompiledGrammar(std::move(impl)));
}

CompiledGrammar::CompiledGrammar(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledGrammar::~CompiledGrammar() = default;
const Grammar& CompiledGrammar::grammar() const { return impl_->grammar; }
const TokenTrie& CompiledGrammar::trie() const { return *impl_->trie; }
size_t CompiledGrammar::cached_masks() const { return impl_->cache.size(); }
size_t CompiledGrammar::cache_hits() const { return impl_->cache.hits(); }

struct GrammarMatcher::State {
  StateKey key;
  bool can_end = false;
  bool ended = false;
  std::shared_ptr<const TokenMask> mask;  // of `key` once asked for; reset when the state moves
};

GrammarMatcher::GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar)
    : grammar_(std::move(grammar)), state_(std::make_unique<State>()) {
  state_->key = grammar_->impl().start;
  state_->can_end = state_can_end(state_->key);
}

GrammarMatcher::~GrammarMatcher() = default;
GrammarMatcher::GrammarMatcher(GrammarMatcher&&) noexcept = default;
GrammarMatcher& GrammarMatcher::operator=(GrammarMatcher&&) noexcept = default;
GrammarMatcher::GrammarMatcher(const GrammarMatcher& other)
    : grammar_(other.grammar_), state_(std::make_unique<State>(*other.state_)) {}

const TokenMask& GrammarMatcher::allowed_tokens() {
  if (!state_->mask) {
    const CompiledGrammar::Impl& impl = grammar_->impl();
    state_->mask = state_->ended ? impl.ended_mask : impl.mask_for(state_->key);
  }
  return *state_->mask;
}

bool GrammarMatcher::accept_token(int32_t id) {
  const CompiledGrammar::Impl& impl = grammar_->impl();
  if (state_->ended || id < 0 || id >= impl.trie->n_vocab()) return false;
  // The mask answers exactly what advancing would (it was computed by the same automaton).
  if (state_->mask && !state_->mask->allows(id)) return false;
  if (impl.is_end_token(id)) {
    if (!state_->can_end) return false;
    state_->ended = true;
    state_->mask.reset();
    return true;
  }
  const std::string_view piece = impl.trie->piece(id);
  return !piece.empty() && accept_bytes(piece);
}

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
  if (state_->ended || is_dead()) return false;
  if (bytes.empty()) return true;
  const CompiledGrammar::Impl& impl = grammar_->impl();
  StackArena arena(impl.flat, impl.limits.max_stacks);
  std::vector<int32_t> tops;
  arena.load(state_->key, tops);
  size_t begin = 0, end = tops.size();
  for (char c : bytes) {
    if (!arena.advance(tops, begin, end, uint8_t(c)) || tops.size() == end) return false;
    begin = end;
    end = tops.size();
  }
  state_->key = arena.key_of(std::span<const int32_t>(tops).subspan(begin, end - begin));
  state_->can_end = state_can_end(state_->key);
  state_->mask.reset();
  return true;
}

bool GrammarMatcher::can_end() const { return state_->can_end; }
bool GrammarMatcher::is_ended() const { return state_->ended; }
bool GrammarMatcher::is_dead() const { return state_->key.words.empty(); }

}  // namespace herd::grammar
