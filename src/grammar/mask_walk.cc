#include "grammar/mask_walk.h"

#include <vector>

namespace herd::grammar {

bool state_can_end(const StateKey& state) {
  for (size_t i = 0; i < state.words.size(); i += state.words[i] + 1) {
    if (state.words[i] == 0) return true;
  }
  return false;
}

TokenMask compute_token_mask(const FlatGrammar& grammar, const TokenTrie& trie, const StateKey& state,
                             std::span<const int32_t> end_tokens, size_t max_stacks) {
  TokenMask mask;
  mask.words.assign((size_t(trie.n_vocab()) + 63) / 64, 0);
  StackArena arena(grammar, max_stacks);
  std::vector<int32_t> tops;
  arena.load(state, tops);

  // One frame per trie node on the path: its stacks are tops[begin, end), and returning from it
  // drops everything pushed since (its stacks' nodes and all below).
  struct Frame {
    uint32_t node;
    uint32_t next_child;
    size_t begin, end;
    size_t arena_mark;
    ByteSet bytes;  // what its stacks accept next
  };
  std::vector<Frame> frames;
  frames.push_back({0, 0, 0, tops.size(), arena.size(), arena.next_bytes(tops, 0, tops.size())});
  while (!frames.empty()) {
    Frame& frame = frames.back();
    const TokenTrie::Node& node = trie.node(frame.node);
    if (frame.next_child == node.n_children) {
      tops.resize(frame.begin);
      arena.truncate(frame.arena_mark);
      frames.pop_back();
      continue;
    }
    const uint32_t child_index = node.first_child + frame.next_child++;
    const TokenTrie::Node& child = trie.node(child_index);
    if (!frame.bytes.test(child.byte)) continue;
    const size_t begin = tops.size();
    const size_t mark = arena.size();
    if (!arena.advance(tops, frame.begin, frame.end, child.byte) || tops.size() == begin) {
      tops.resize(begin);
      arena.truncate(mark);
      continue;
    }
    for (int32_t id : trie.tokens_at(child)) mask.words[size_t(id) >> 6] |= uint64_t(1) << (id & 63);
    const ByteSet next = child.n_children == 0 ? ByteSet() : arena.next_bytes(tops, begin, tops.size());
    if (next.none()) {
      tops.resize(begin);
      arena.truncate(mark);
      continue;
    }
    frames.push_back({child_index, 0, begin, tops.size(), mark, next});  // `frame` dangles from here
  }

  const bool can_end = state_can_end(state);
  for (int32_t id : end_tokens) {
    const uint64_t bit = uint64_t(1) << (id & 63);
    if (can_end) {
      mask.words[size_t(id) >> 6] |= bit;
    } else {
      mask.words[size_t(id) >> 6] &= ~bit;
    }
  }
  return mask;
}

}  // namespace herd::grammar
