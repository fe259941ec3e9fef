// Finds where the texts of special tokens (Vocab::special_tokens()) occur in a text, in
// one pass over it: a byte trie walked from every position that can start a token.
// Special-token splitting then needs no scan of the text per token, which matters for
// vocabs with thousands of user-defined tokens (DeepSeek has 2398).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace herd {

class SpecialTokenMatcher {
 public:
  SpecialTokenMatcher() = default;
  explicit SpecialTokenMatcher(const Vocab& vocab);

  // Calls on_match(pos, rank) for every position of `text` and every special token whose
  // text starts there; `rank` indexes vocab.special_tokens(). Of tokens with equal
  // texts only the first in that order is reported.
  template <typename F>
  void for_each_match(std::string_view text, F&& on_match) const {
    if (nodes_.empty()) return;
    for (size_t pos = 0; pos < text.size(); ++pos) {
      if (!starts_[static_cast<uint8_t>(text[pos])]) continue;
      uint32_t node = 0;
      for (size_t i = pos; i < text.size(); ++i) {
        node = child(node, static_cast<uint8_t>(text[i]));
        if (node == kNone) break;
        if (nodes_[node].rank >= 0) on_match(pos, nodes_[node].rank);
      }
    }
  }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  struct Node {
    int32_t rank = -1;   // the token ending here, or -1
    uint32_t first = 0;  // children are edges_[first, first + count), sorted by byte
    uint32_t count = 0;
  };
  struct Edge {
    uint8_t byte;
    uint32_t node;
  };

  uint32_t child(uint32_t node, uint8_t byte) const {
    const Node& n = nodes_[node];
    uint32_t lo = n.first;
    uint32_t hi = n.first + n.count;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (edges_[mid].byte < byte) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < n.first + n.count && edges_[lo].byte == byte ? edges_[lo].node : kNone;
  }

  std::vector<Node> nodes_;  // node 0 is the root
  std::vector<Edge> edges_;
  std::array<bool, 256> starts_{};  // bytes that begin some special token
};

}  // namespace herd
