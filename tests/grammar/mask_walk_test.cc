#include "grammar/mask_walk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_stacks.h"
#include "grammar_test_util.h"

namespace herd::grammar {
namespace {

// Tokens of all lengths over the bytes the seed grammars use, so the walk goes deep.
TokenTrie word_trie() {
  std::vector<std::string> pieces;
  for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
  const std::string alphabet = "{}[]\":, 0123456789.-+eEtrufalsn\\x\n*()abcdyO#pq";
  uint64_t state = 7;
  for (int i = 0; i < 3000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::string p;
    const size_t len = 2 + (state >> 40) % 7;
    for (size_t k = 0; k < len; ++k) p += alphabet[(state >> (3 * k + 5)) % alphabet.size()];
    pieces.push_back(p);
  }
  pieces.push_back("\xC3\xA9\"");
  pieces.push_back(std::string(40, ' '));
  pieces.push_back(std::string(12, '0'));
  return TokenTrie(pieces);
}

// The memoized walk and the plain one give the same mask in every state along each text.
TEST(MaskWalk, MemoizedAndPlainWalksAgree) {
  const TokenTrie trie = word_trie();
  const std::vector<int32_t> ends = {0};
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"json.gbnf", "{\"a\": [1, -2.5e+3, \"x\\u00e9y\", true, {}], \"b\": null}"},
      {"arithmetic.gbnf", "(1 + 2) * -3.25 / (4)"},
      {"ambiguous.gbnf", "xxxxy"},
      {"chess.gbnf", "1. e4 e5\n1. Nf3 O-O-O+\n"},
      {"list.gbnf", "- item one\n* word word\n"},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    Result<Grammar> g = parse_gbnf(testing::seed_grammar(name));
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    const FlatGrammar flat(g.value());
    StackArena arena(flat, 4096);
    std::vector<int32_t> tops;
    ASSERT_TRUE(arena.start(tops));
    size_t begin = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      const StateKey key = arena.key_of(std::span<const int32_t>(tops).subspan(begin));
      const TokenMask memo = compute_token_mask(flat, trie, key, ends, 4096, WalkMode::kMemo);
      const TokenMask plain = compute_token_mask(flat, trie, key, ends, 4096, WalkMode::kPlain);
      ASSERT_EQ(memo.words, plain.words) << "after " << text.substr(0, i);
      size_t allowed = 0;
      for (uint64_t w : memo.words) allowed += size_t(__builtin_popcountll(w));
      EXPECT_GT(allowed, 0u);
      if (i == text.size()) break;
      const size_t end = tops.size();
      ASSERT_TRUE(arena.advance(tops, begin, end, uint8_t(text[i]))) << text.substr(0, i + 1);
      ASSERT_GT(tops.size(), end) << text.substr(0, i + 1);
      begin = end;
    }
  }
}

}  // namespace
}  // namespace herd::grammar
