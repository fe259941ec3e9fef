// The pushdown automaton under GrammarMatcher. The grammar is flattened into one array of
// positions (each alternative's elements, then an end marker); a stack is a chain of positions
// (the top is the byte set to match next, the ones below are where to resume when a rule ends).
// Stacks live as nodes in an arena and share their tails, so advancing a set of stacks by one byte
// copies nothing below the top, and a walk over the token trie can truncate the arena back
// when it returns from a subtree.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "grammar/grammar.h"

namespace herd::grammar {

struct FlatGrammar {
  enum class Kind : uint8_t { kBytes, kRule, kEnd };
  struct Slot {
    Kind kind = Kind::kEnd;
    int32_t rule = 0;  // kRule
    ByteSet bytes;     // kBytes
  };
  std::vector<Slot> slots;  // slots[0] is a reference to the root rule, slots[1] its end
  std::vector<std::vector<uint32_t>> alternative_starts;  // per rule: the first slot of each

  explicit FlatGrammar(const Grammar& grammar);
};

// A set of stacks in canonical form: each stack bottom to top behind its length, stacks sorted.
// An empty stack (the grammar has matched a whole sentence) is the length 0 alone.
struct StateKey {
  std::vector<uint32_t> words;
  uint64_t hash = 0;
  bool operator==(const StateKey& other) const { return hash == other.hash && words == other.words; }
};

struct StateKeyHash {
  size_t operator()(const StateKey& key) const { return size_t(key.hash); }
};

// Stack tops as they are passed around: a node index, or kEmptyStack.
inline constexpr int32_t kEmptyStack = -1;

class StackArena {
 public:
  StackArena(const FlatGrammar& grammar, size_t max_stacks);

  size_t size() const { return nodes_.size(); }
  void truncate(size_t n) { nodes_.resize(n); }

  // Appends to `tops` (after index `end`) the stacks that tops[begin, end) reach by consuming
  // `byte`, deduplicated. false (and nothing appended) when more than max_stacks result or
  // expanding them takes too many steps (a grammar too ambiguous to run).
  bool advance(std::vector<int32_t>& tops, size_t begin, size_t end, uint8_t byte);
  // The stacks of the grammar's start, appended to `tops`; false as for advance.
  bool start(std::vector<int32_t>& tops);
  // The bytes some top of tops[begin, end) accepts.
  ByteSet next_bytes(const std::vector<int32_t>& tops, size_t begin, size_t end) const;

  void load(const StateKey& key, std::vector<int32_t>& tops);
  StateKey key_of(std::span<const int32_t> tops) const;

  // Sorts tops[from, end) by stack hash and drops stacks equal to another; false (and tops cut
  // back to `from`) when more than max_stacks remain. advance() and start() end with it.
  bool dedupe(std::vector<int32_t>& tops, size_t from);
  uint64_t hash_of(int32_t top) const { return top == kEmptyStack ? 0 : nodes_[size_t(top)].hash; }
  // Whether two tops are the same stack (the same positions all the way down).
  bool same_stack(int32_t a, int32_t b) const;

 private:
  struct Node {
    uint32_t pos;
    int32_t parent;  // kEmptyStack at the bottom
    uint64_t hash;   // of the whole chain, for deduplication
  };
  int32_t push(uint32_t pos, int32_t parent);
  // Expands (pos, parent) until every resulting top is a byte set (or the stack is empty).
  bool close(uint32_t pos, int32_t parent, std::vector<int32_t>& tops, size_t& steps);
  bool finish(std::vector<int32_t>& tops, size_t from, bool ok);

  const FlatGrammar& grammar_;
  size_t max_stacks_;
  size_t max_steps_;
  std::vector<Node> nodes_;
  std::vector<std::pair<uint32_t, int32_t>> work_;  // close()'s pending (pos, parent) pairs
};

}  // namespace herd::grammar
