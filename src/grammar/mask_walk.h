// Computing one state's token mask: a depth-first walk of the TokenTrie that carries the set of
// stacks along, descends only into bytes some stack accepts, and marks the tokens ending at every
// node it reaches. The expensive path of GrammarMatcher::allowed_tokens (a cache miss).
#pragma once

#include <cstdint>
#include <span>

#include "grammar/grammar_matcher.h"
#include "grammar/grammar_stacks.h"
#include "grammar/token_trie.h"

namespace herd::grammar {

// kMemo remembers the stack sets met on the way and their transitions (the plain walk when the
// memos grow too large); kPlain rebuilds each node's stacks from its parent's. Same masks.
enum class WalkMode { kMemo, kPlain };

// Bit set for every token whose bytes the stacks of `state` accept; the end tokens exactly when
// the state holds an empty stack (the grammar may end), whatever their bytes.
TokenMask compute_token_mask(const FlatGrammar& grammar, const TokenTrie& trie, const StateKey& state,
                             std::span<const int32_t> end_tokens, size_t max_stacks, WalkMode mode = WalkMode::kMemo);

// Whether the state holds the empty stack.
bool state_can_end(const StateKey& state);

}  // namespace herd::grammar
