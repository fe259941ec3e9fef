#include "grammar/token_trie.h"

#include <algorithm>

namespace herd::grammar {

TokenTrie::TokenTrie(std::span<const std::string> pieces) : n_vocab_(int32_t(pieces.size())) {
  piece_offsets_.reserve(pieces.size() + 1);
  piece_offsets_.push_back(0);
  for (const std::string& p : pieces) {
    piece_bytes_ += p;
    piece_offsets_.push_back(uint32_t(piece_bytes_.size()));
  }

  // Ids sorted by their bytes: every node's tokens and subtree are then one contiguous run, and
  // a node's children are the runs of equal bytes at its depth, in byte order.
  std::vector<int32_t> order;
  for (int32_t id = 0; id < n_vocab_; ++id) {
    if (!pieces[size_t(id)].empty()) order.push_back(id);
  }
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return pieces[size_t(a)] < pieces[size_t(b)]; });
  token_ids_.reserve(order.size());

  struct Pending {
    uint32_t node;
    size_t begin, end;  // the run of `order` under this node
    size_t depth;       // bytes shared by the run (the node's depth)
  };
  nodes_.push_back(Node{});
  std::vector<Pending> queue{{0, 0, order.size(), 0}};
  // Breadth-first: a node's children are appended together, so they are contiguous.
  for (size_t q = 0; q < queue.size(); ++q) {
    const Pending p = queue[q];
    size_t i = p.begin;
    const size_t ends_here = i;
    while (i < p.end && pieces[size_t(order[i])].size() == p.depth) ++i;
    if (i > ends_here) {
      nodes_[p.node].first_token = int32_t(token_ids_.size());
      nodes_[p.node].n_tokens = int32_t(i - ends_here);
      token_ids_.insert(token_ids_.end(), order.begin() + std::ptrdiff_t(ends_here), order.begin() + std::ptrdiff_t(i));
    }
    nodes_[p.node].first_child = uint32_t(nodes_.size());
    while (i < p.end) {
      const uint8_t byte = uint8_t(pieces[size_t(order[i])][p.depth]);
      size_t j = i + 1;
      while (j < p.end && uint8_t(pieces[size_t(order[j])][p.depth]) == byte) ++j;
      Node child;
      child.byte = byte;
      queue.push_back({uint32_t(nodes_.size()), i, j, p.depth + 1});
      nodes_.push_back(child);
      ++nodes_[p.node].n_children;
      i = j;
    }
  }
}

std::span<const int32_t> TokenTrie::tokens_at(const Node& n) const {
  if (n.n_tokens == 0) return {};
  return std::span<const int32_t>(token_ids_).subspan(size_t(n.first_token), size_t(n.n_tokens));
}

std::string_view TokenTrie::piece(int32_t id) const {
  if (id < 0 || id >= n_vocab_) return {};
  return std::string_view(piece_bytes_).substr(piece_offsets_[size_t(id)], piece_offsets_[size_t(id) + 1] - piece_offsets_[size_t(id)]);
}

}  // namespace herd::grammar
