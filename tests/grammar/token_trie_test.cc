#include "grammar/token_trie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace herd::grammar {
namespace {

// The node reached from the root by `bytes`, or -1.
int64_t find_node(const TokenTrie& trie, const std::string& bytes) {
  uint32_t at = 0;
  for (char c : bytes) {
    const TokenTrie::Node& n = trie.node(at);
    bool found = false;
    for (uint32_t k = 0; k < n.n_children; ++k) {
      if (trie.node(n.first_child + k).byte == uint8_t(c)) {
        at = n.first_child + k;
        found = true;
        break;
      }
    }
    if (!found) return -1;
  }
  return at;
}

TEST(TokenTrie, EveryTokenEndsAtItsBytes) {
  const std::vector<std::string> pieces = {"a", "ab", "abc", "", "b", "ab", "\xFF\x00", std::string(1, '\0'), "ba", "abd"};
  const TokenTrie trie(pieces);
  EXPECT_EQ(trie.n_vocab(), 10);
  for (int32_t id = 0; id < trie.n_vocab(); ++id) {
    EXPECT_EQ(trie.piece(id), pieces[size_t(id)]);
    if (pieces[size_t(id)].empty()) continue;
    const int64_t node = find_node(trie, pieces[size_t(id)]);
    ASSERT_GE(node, 0) << id;
    const auto tokens = trie.tokens_at(trie.node(uint32_t(node)));
    EXPECT_NE(std::find(tokens.begin(), tokens.end(), id), tokens.end()) << id;
  }
  // Two tokens with the same bytes share a node; the empty piece is nowhere.
  const auto ab = trie.tokens_at(trie.node(uint32_t(find_node(trie, "ab"))));
  EXPECT_EQ(std::vector<int32_t>(ab.begin(), ab.end()), (std::vector<int32_t>{1, 5}));
  EXPECT_TRUE(trie.tokens_at(trie.root()).empty());
  EXPECT_EQ(trie.piece(-1), "");
  EXPECT_EQ(trie.piece(10), "");
}

TEST(TokenTrie, ChildrenAreContiguousAndSortedByByte) {
  const std::vector<std::string> pieces = {"z", "\xE4\xB8\xAD", "a", "\x80", "m", "mn", "mo", "ma"};
  const TokenTrie trie(pieces);
  size_t token_count = 0;
  for (size_t i = 0; i < trie.n_nodes(); ++i) {
    const TokenTrie::Node& n = trie.node(uint32_t(i));
    token_count += trie.tokens_at(n).size();
    for (uint32_t k = 1; k < n.n_children; ++k) {
      EXPECT_LT(trie.node(n.first_child + k - 1).byte, trie.node(n.first_child + k).byte);
    }
    for (uint32_t k = 0; k < n.n_children; ++k) EXPECT_GT(n.first_child + k, i);  // breadth-first
  }
  EXPECT_EQ(token_count, pieces.size());
  // root, z, E4, a, 80, m, B8, AD, n, o, a: one node per distinct prefix.
  EXPECT_EQ(trie.n_nodes(), 11u);
  EXPECT_EQ(trie.root().n_children, 5);
}

TEST(TokenTrie, EmptyVocabulary) {
  const TokenTrie trie(std::vector<std::string>{});
  EXPECT_EQ(trie.n_vocab(), 0);
  EXPECT_EQ(trie.root().n_children, 0);
}

}  // namespace
}  // namespace herd::grammar
