// allowed_tokens() against brute force (every token's bytes tried one by one), for a small
// hand-made vocabulary with multi-byte and partial-character tokens and for the real Qwen2 one.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/shared_data.h"
#include "gguf/gguf_file.h"
#include "grammar/grammar_matcher.h"
#include "grammar_test_util.h"
#include "tokenizer/tokenizer.h"

namespace herd::grammar {
namespace {

using testing::brute_force_mask;
using testing::mask_differences;
using testing::seed_grammar;

// Every single byte, then tokens spanning several grammar symbols, cut UTF-8 characters, an
// empty (control) piece and two end tokens.
std::vector<std::string> small_pieces() {
  std::vector<std::string> pieces;
  for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
  for (const char* p : {"{\"", "\":", "\": ", "\"}", "\",", ", \"", "  ", "\n ", " {", "{}", "[]", "true", "tru", "false",
                        "null", "nul", "12", "0.", "-1", "e+", "1e", "abc", "ab", "name", "\\u", "\\n", "00e9", "\xC3\xA9",
                        "\xE4\xB8", "\xAD\"", "\xF0\x9F\x98\x80", "1+", "*(", " - ", "))", "xx", "xxy", "- ", "* ", "O-O",
                        "1. ", "e4", "Nf3", "\"\"", "}}", "]}", "},", "1}", "a\"", "\":{\""}) {
    pieces.emplace_back(p);
  }
  pieces.emplace_back();  // a control token: never allowed
  pieces.emplace_back();  // end token
  pieces.emplace_back("</s>");  // end token with text: ends, is never text
  return pieces;
}

struct SmallVocab {
  std::shared_ptr<const TokenTrie> trie;
  std::vector<int32_t> end_tokens;
};

SmallVocab small_vocab() {
  const std::vector<std::string> pieces = small_pieces();
  return {std::make_shared<const TokenTrie>(pieces), {int32_t(pieces.size()) - 2, int32_t(pieces.size()) - 1}};
}

// Walks `steps` tokens chosen pseudo-randomly among the allowed ones, checking every mask.
void random_walks(const std::shared_ptr<const CompiledGrammar>& g, const std::vector<int32_t>& end_tokens, int walks,
                  int steps) {
  uint64_t state = 99;
  for (int w = 0; w < walks; ++w) {
    GrammarMatcher m(g);
    for (int s = 0; s < steps && !m.is_ended(); ++s) {
      const std::vector<bool> expected = brute_force_mask(m, g->trie(), end_tokens);
      const TokenMask& mask = m.allowed_tokens();
      ASSERT_EQ(mask_differences(mask, expected), std::vector<int32_t>{}) << "walk " << w << " step " << s;
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id < g->trie().n_vocab(); ++id) {
        if (expected[size_t(id)]) allowed.push_back(id);
      }
      ASSERT_FALSE(allowed.empty());
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      // Prefer text over ending, so walks go somewhere.
      int32_t pick = allowed[size_t(state >> 33) % allowed.size()];
      if (m.can_end() && (state >> 20) % 8 != 0) {
        for (int tries = 0; tries < 4 && std::find(end_tokens.begin(), end_tokens.end(), pick) != end_tokens.end(); ++tries) {
          pick = allowed[size_t(state >> (35 + tries)) % allowed.size()];
        }
      }
      ASSERT_TRUE(m.accept_token(pick)) << pick;
    }
  }
}

TEST(GrammarMask, SmallVocabularyMatchesBruteForce) {
  const SmallVocab v = small_vocab();
  for (const char* name : {"json.gbnf", "arithmetic.gbnf", "list.gbnf", "chess.gbnf", "ambiguous.gbnf"}) {
    SCOPED_TRACE(name);
    auto g = testing::compile(seed_grammar(name), v.trie, v.end_tokens);
    ASSERT_NE(g, nullptr);
    random_walks(g, v.end_tokens, 6, 40);
  }
}

TEST(GrammarMask, MultiByteTokensAcrossSymbols) {
  const SmallVocab v = small_vocab();
  auto g = testing::compile(seed_grammar("json.gbnf"), v.trie, v.end_tokens);
  GrammarMatcher m(g);
  const std::string prefix = "{\"name\": ";
  for (char c : prefix) ASSERT_TRUE(m.accept_token(uint8_t(c)));
  const TokenMask& mask = m.allowed_tokens();
  auto id_of = [&](const std::string& piece) {
    for (int32_t id = 0; id < v.trie->n_vocab(); ++id) {
      if (v.trie->piece(id) == piece) return id;
    }
    return -1;
  };
  EXPECT_TRUE(mask.allows(id_of("true")));
  EXPECT_TRUE(mask.allows(id_of("tru")));
  EXPECT_TRUE(mask.allows(id_of("{}")));
  EXPECT_TRUE(mask.allows(id_of("-1")));
  EXPECT_FALSE(mask.allows(id_of("}}")));
  EXPECT_FALSE(mask.allows(id_of("\xC3\xA9")));  // not inside a string
  EXPECT_FALSE(mask.allows(v.end_tokens[0]));
  EXPECT_FALSE(mask.allows(int32_t(v.trie->n_vocab()) - 3));  // the control token
  ASSERT_TRUE(m.accept_token(id_of("\"\"")));
  ASSERT_TRUE(m.accept_token(id_of("}")));
  EXPECT_TRUE(m.can_end());
  EXPECT_TRUE(m.allowed_tokens().allows(v.end_tokens[1]));  // "</s>" ends ...
  EXPECT_TRUE(m.accept_token(v.end_tokens[1]));
  EXPECT_TRUE(m.is_ended());
}

TEST(GrammarMask, CacheHitsGiveTheSameMask) {
  const SmallVocab v = small_vocab();
  auto g = testing::compile("root ::= \"[\" [a-z]* \"]\"", v.trie, v.end_tokens);
  GrammarMatcher a(g), b(g);
  ASSERT_TRUE(a.accept_bytes("[ab"));
  ASSERT_TRUE(b.accept_bytes("[xyzzy"));
  const size_t hits = g->cache_hits();
  const TokenMask* first = &a.allowed_tokens();
  const TokenMask* second = &b.allowed_tokens();
  EXPECT_EQ(first, second);  // the same state: one mask, shared
  EXPECT_EQ(g->cache_hits(), hits + 1);
  EXPECT_EQ(g->cached_masks(), 1u);
  EXPECT_EQ(mask_differences(b.allowed_tokens(), brute_force_mask(b, *v.trie, v.end_tokens)), std::vector<int32_t>{});
  ASSERT_TRUE(a.accept_token('q'));
  EXPECT_EQ(&a.allowed_tokens(), first);  // back in the loop: a hit again
  EXPECT_EQ(g->cache_hits(), hits + 2);
}

TEST(GrammarMask, EvictedMasksAreRecomputedTheSame) {
  const SmallVocab v = small_vocab();
  MatcherLimits limits;
  limits.max_cached_masks = 2;
  auto g = testing::compile(seed_grammar("json.gbnf"), v.trie, v.end_tokens, limits);
  GrammarMatcher m(g);
  std::vector<std::vector<bool>> expected;
  std::vector<GrammarMatcher> states;
  for (char c : std::string("{\"k\": [1, {}]}")) {
    ASSERT_TRUE(m.accept_token(uint8_t(c)));
    states.push_back(m);
    expected.push_back(brute_force_mask(m, *v.trie, v.end_tokens));
  }
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < states.size(); ++i) {
      GrammarMatcher fresh(states[i]);
      EXPECT_EQ(mask_differences(fresh.allowed_tokens(), expected[i]), std::vector<int32_t>{}) << i;
    }
  }
  EXPECT_LE(g->cached_masks(), 2u);
}

TEST(GrammarMask, MatchersOnSeveralThreadsShareOneGrammar) {
  const SmallVocab v = small_vocab();
  auto g = testing::compile(seed_grammar("json.gbnf"), v.trie, v.end_tokens);
  const std::string text = "{\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": {\"c\": null}}";
  std::vector<std::vector<uint64_t>> single;
  {
    GrammarMatcher m(g);
    for (char c : text) {
      single.push_back(m.allowed_tokens().words);
      ASSERT_TRUE(m.accept_token(uint8_t(c)));
    }
  }
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        GrammarMatcher m(g);
        for (size_t i = 0; i < text.size(); ++i) {
          if (m.allowed_tokens().words != single[i] || !m.accept_token(uint8_t(text[i]))) ++failures[size_t(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(GrammarMask, Qwen2VocabularyMatchesBruteForce) {
  Result<std::unique_ptr<GgufFile>> file = GgufFile::open((herd::testing::shared_dir() / "models/vocab/ggml-vocab-qwen2.gguf").string());
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::from_gguf(*file.value());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const Tokenizer& tokenizer = *tok.value();
  std::vector<std::string> pieces;
  for (int32_t id = 0; id < tokenizer.vocab().n_tokens(); ++id) pieces.push_back(tokenizer.token_to_piece(id));
  ASSERT_GT(pieces.size(), 150000u);
  const auto ends = tokenizer.vocab().end_of_generation_ids();
  const std::vector<int32_t> end_tokens(ends.begin(), ends.end());
  ASSERT_FALSE(end_tokens.empty());
  auto trie = std::make_shared<const TokenTrie>(pieces);
  auto g = testing::compile(seed_grammar("json.gbnf"), trie, end_tokens);
  ASSERT_NE(g, nullptr);

  GrammarMatcher m(g);
  size_t checked = 0;
  for (const std::string& step : {std::string(""), std::string("{"), std::string("\"na"), std::string("me\": "),
                                  std::string("[12"), std::string(", \"\xE4\xB8"), std::string("\xAD\\"),
                                  std::string("n\"]}")}) {
    ASSERT_TRUE(m.accept_bytes(step)) << step;
    const std::vector<bool> expected = brute_force_mask(m, *trie, end_tokens);
    EXPECT_EQ(mask_differences(m.allowed_tokens(), expected), std::vector<int32_t>{}) << "after " << step;
    size_t allowed = 0;
    for (bool b : expected) allowed += b;
    EXPECT_GT(allowed, 0u);
    ++checked;
  }
  EXPECT_TRUE(m.can_end());
  EXPECT_EQ(checked, 8u);
  // The same state again: the cached mask, and the tokens it allows are accepted.
  GrammarMatcher again(g);
  ASSERT_TRUE(again.accept_bytes("{\"name\": [12, \"\xE4\xB8\xAD\\n\"]}"));
  EXPECT_EQ(&again.allowed_tokens(), &m.allowed_tokens());
  for (int32_t id : end_tokens) EXPECT_TRUE(again.allowed_tokens().allows(id));
}

}  // namespace
}  // namespace herd::grammar
