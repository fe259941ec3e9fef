#include "grammar/mask_walk.h"

#include <optional>
#include <unordered_map>
#include <vector>

namespace herd::grammar {
namespace {

// The memoized walk gives up (and the plain one runs) past these: a grammar whose states keep
// changing along the trie (counting bytes, say) gains nothing from memos and would hold them all.
constexpr size_t kMaxWalkStates = 4096;
constexpr size_t kMaxWalkNodes = size_t(1) << 21;

void set_bits(const TokenTrie& trie, const TokenTrie::Node& node, TokenMask& mask) {
  for (int32_t id : trie.tokens_at(node)) mask.words[size_t(id) >> 6] |= uint64_t(1) << (id & 63);
}

// Walks the trie carrying stack sets that are interned as they appear, with the transition of
// every (set, byte) remembered: inside a JSON string almost every byte leads from the loop's state
// back to itself, so most of the 300k nodes of a 152k vocabulary cost a table lookup, not an
// expansion. nullopt when the limits above are reached.
class MemoWalk {
 public:
  MemoWalk(const FlatGrammar& grammar, size_t max_stacks) : arena_(grammar, max_stacks) {}

  std::optional<bool> run(const TokenTrie& trie, const StateKey& state, TokenMask& mask) {
    arena_.load(state, tops_);
    if (!arena_.dedupe(tops_, 0) || tops_.empty()) return false;
    const int32_t start = intern(0);
    struct Frame {
      uint32_t node;
      uint32_t next_child;
      int32_t state;
    };
    std::vector<Frame> frames{{0, 0, start}};
    while (!frames.empty()) {
      Frame& frame = frames.back();
      const TokenTrie::Node& node = trie.node(frame.node);
      if (frame.next_child == node.n_children) {
        frames.pop_back();
        continue;
      }
      const uint32_t child_index = node.first_child + frame.next_child++;
      const TokenTrie::Node& child = trie.node(child_index);
      if (!states_[size_t(frame.state)].next.test(child.byte)) continue;
      const int32_t to = step(frame.state, child.byte);
      if (states_.size() > kMaxWalkStates || arena_.size() > kMaxWalkNodes) return std::nullopt;
      if (to < 0) continue;
      set_bits(trie, child, mask);
      if (child.n_children > 0 && states_[size_t(to)].next.any()) frames.push_back({child_index, 0, to});
    }
    return true;
  }

 private:
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kDead = -1;

  struct State {
    size_t begin, end;  // its tops in tops_, sorted by stack hash
    ByteSet next;       // bytes some top accepts
    std::vector<int32_t> to;  // per byte: the next state, kDead, or kUnknown (256 once used)
  };

  int32_t step(int32_t from, uint8_t byte) {
    if (states_[size_t(from)].to.empty()) states_[size_t(from)].to.assign(256, kUnknown);
    const int32_t known = states_[size_t(from)].to[byte];
    if (known != kUnknown) return known;
    const size_t begin = tops_.size();
    const size_t mark = arena_.size();
    int32_t to = kDead;
    if (arena_.advance(tops_, states_[size_t(from)].begin, states_[size_t(from)].end, byte) && tops_.size() > begin) {
      to = intern(begin);
      if (states_[size_t(to)].begin != begin) {  // seen before: what advance made is not needed
        tops_.resize(begin);
        arena_.truncate(mark);
      }
    }
    states_[size_t(from)].to[byte] = to;
    return to;
  }

  // The state of the deduplicated tops_[begin, end), an earlier equal one if there is one.
  int32_t intern(size_t begin) {
    uint64_t h = tops_.size() - begin;
    for (size_t i = begin; i < tops_.size(); ++i) h = (h ^ arena_.hash_of(tops_[i])) * 0x100000001B3ull;
    auto [first, last] = by_hash_.equal_range(h);
    for (auto it = first; it != last; ++it) {
      if (same_set(states_[size_t(it->second)], begin)) return it->second;
    }
    const int32_t id = int32_t(states_.size());
    states_.push_back({begin, tops_.size(), arena_.next_bytes(tops_, begin, tops_.size()), {}});
    by_hash_.emplace(h, id);
    return id;
  }

  // Both lists are sorted by stack hash and free of duplicates.
  bool same_set(const State& s, size_t begin) const {
    if (s.end - s.begin != tops_.size() - begin) return false;
    for (size_t i = 0; i < s.end - s.begin; ++i) {
      const int32_t a = tops_[s.begin + i];
      if (arena_.hash_of(a) != arena_.hash_of(tops_[begin + i])) return false;
      if (arena_.same_stack(a, tops_[begin + i])) continue;
      bool found = false;  // elsewhere among the tops with this hash (collisions only)
      for (size_t j = begin; j < tops_.size() && !found; ++j) {
        found = arena_.hash_of(tops_[j]) == arena_.hash_of(a) && arena_.same_stack(a, tops_[j]);
      }
      if (!found) return false;
    }
    return true;
  }

  StackArena arena_;
  std::vector<int32_t> tops_;
  std::vector<State> states_;
  std::unordered_multimap<uint64_t, int32_t> by_hash_;
};

// The walk without memos: each trie node's stacks are made from its parent's and dropped when
// the walk returns from it, so memory stays at one path's worth.
void plain_walk(const FlatGrammar& grammar, const TokenTrie& trie, const StateKey& state, size_t max_stacks,
                TokenMask& mask) {
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
    set_bits(trie, child, mask);
    const ByteSet next = child.n_children == 0 ? ByteSet() : arena.next_bytes(tops, begin, tops.size());
    if (next.none()) {
      tops.resize(begin);
      arena.truncate(mark);
      continue;
    }
    frames.push_back({child_index, 0, begin, tops.size(), mark, next});  // `frame` dangles from here
  }
}

}  // namespace

bool state_can_end(const StateKey& state) {
  for (size_t i = 0; i < state.words.size(); i += state.words[i] + 1) {
    if (state.words[i] == 0) return true;
  }
  return false;
}

TokenMask compute_token_mask(const FlatGrammar& grammar, const TokenTrie& trie, const StateKey& state,
                             std::span<const int32_t> end_tokens, size_t max_stacks, WalkMode mode) {
  TokenMask mask;
  mask.words.assign((size_t(trie.n_vocab()) + 63) / 64, 0);
  bool done = false;
  if (mode != WalkMode::kPlain) {
    MemoWalk memo(grammar, max_stacks);
    done = memo.run(trie, state, mask).has_value();
    if (!done) std::fill(mask.words.begin(), mask.words.end(), 0);
  }
  if (!done) plain_walk(grammar, trie, state, max_stacks, mask);

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
