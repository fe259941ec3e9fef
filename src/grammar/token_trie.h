// The vocabulary as a trie of the bytes each token stands for, so a grammar state can find
// every token it allows in one walk that skips whole subtrees whose first byte is refused,
// instead of testing 152k tokens one by one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herd::grammar {

class TokenTrie {
 public:
  // pieces[id]: the bytes token id stands for; an empty piece (control tokens such as BOS and
  // EOS, unused ids) is never allowed by a grammar and is not in the trie.
  explicit TokenTrie(std::span<const std::string> pieces);

  int32_t n_vocab() const { return n_vocab_; }

  struct Node {
    uint32_t first_child = 0;  // children are nodes [first_child, first_child + n_children)
    uint16_t n_children = 0;
    uint8_t byte = 0;          // the byte that leads here from the parent
    int32_t first_token = -1;  // tokens ending here: token_ids_[first_token, + n_tokens)
    int32_t n_tokens = 0;
  };
  const Node& root() const { return nodes_[0]; }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  std::span<const int32_t> tokens_at(const Node& n) const;
  size_t n_nodes() const { return nodes_.size(); }

  // The bytes of token id ("" for ids outside the vocab): what GrammarMatcher::accept_token
  // advances on.
  std::string_view piece(int32_t id) const;

 private:
  int32_t n_vocab_ = 0;
  std::string piece_bytes_;               // every piece end to end
  std::vector<uint32_t> piece_offsets_;   // id's piece is [offsets[id], offsets[id + 1])
  std::vector<Node> nodes_;  // breadth-first: children of a node are contiguous, sorted by byte
  std::vector<int32_t> token_ids_;
};

}  // namespace herd::grammar
