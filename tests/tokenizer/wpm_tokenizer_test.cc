#include "tokenizer/wpm_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::read_vectors;
using testing::shared_tokenizer;

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

constexpr const char* kBge = "vocab/ggml-vocab-bert-bge.gguf";

TEST(WpmTokenizer, BertBgeVectors) {
  const Tokenizer* tok = shared_tokenizer(kBge);
  ASSERT_NE(tok, nullptr);
  const std::vector<testing::VectorCase> cases = read_vectors("ggml-vocab-bert-bge");
  ASSERT_EQ(cases.size(), 46u);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(show(tok->encode(cases[i].text, false, false)), show(cases[i].ids))
        << "case " << i << ": \"" << cases[i].text << "\"";
  }
}

using Words = std::vector<std::string>;

TEST(WpmTokenizer, SplitWordsNormalisesLikeUncasedBert) {
  EXPECT_EQ(WpmTokenizer::split_words("Hello, World!"), (Words{"hello", ",", "world", "!"}));
  // Accents stripped after decomposition, uppercase folded.
  EXPECT_EQ(WpmTokenizer::split_words("F\xC3\xBChrer \xC3\x89" "COLE"), (Words{"fuhrer", "ecole"}));
  // Each CJK ideograph is a word; other scripts stay together.
  EXPECT_EQ(WpmTokenizer::split_words("ab\xE4\xBD\xA0\xE5\xA5\xBD" "c"),
            (Words{"ab", "\xE4\xBD\xA0", "\xE5\xA5\xBD", "c"}));
  // Control and format characters vanish without separating; white space separates.
  EXPECT_EQ(WpmTokenizer::split_words("a\x01" "b\xE2\x80\x8B" "c\td\xE3\x80\x80" "e"),
            (Words{"abc", "d", "e"}));
  EXPECT_EQ(WpmTokenizer::split_words("  \n "), Words{});
  // "$" is ASCII punctuation to BERT even though Unicode calls it a symbol.
  EXPECT_EQ(WpmTokenizer::split_words("a$b"), (Words{"a", "$", "b"}));
}

TEST(WpmTokenizer, ClsAndSepWithAddSpecial) {
  const Tokenizer* tok = shared_tokenizer(kBge);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab().bos_id(), 101);
  EXPECT_EQ(tok->vocab().eos_id(), 102);
  std::vector<int32_t> want = {101};
  const std::vector<int32_t> body = tok->encode("Hello world", false, false);
  want.insert(want.end(), body.begin(), body.end());
  want.push_back(102);
  EXPECT_EQ(tok->encode("Hello world", true, false), want);
  EXPECT_EQ(tok->decode(want), "hello world");
}

TEST(WpmTokenizer, ContinuationPiecesAndDecode) {
  const Tokenizer* tok = shared_tokenizer(kBge);
  ASSERT_NE(tok, nullptr);
  // "Führer" is "▁fu" + "hrer" (a continuation piece, "##hrer" in BERT's own vocab).
  const std::vector<int32_t> ids = tok->encode("F\xC3\xBChrer", false, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{11865, 17875}));
  EXPECT_EQ(tok->token_to_piece(11865), " fu");
  EXPECT_EQ(tok->token_to_piece(17875), "hrer");
  EXPECT_EQ(tok->decode(ids), "fuhrer");
}

TEST(WpmTokenizer, UnknownWords) {
  const Tokenizer* tok = shared_tokenizer(kBge);
  ASSERT_NE(tok, nullptr);
  const int32_t unk = tok->vocab().unk_id();
  EXPECT_EQ(unk, 100);
  EXPECT_EQ(tok->encode(std::string(101, 'a'), false, false), (std::vector<int32_t>{unk}));
  EXPECT_NE(tok->encode(std::string(100, 'a'), false, false), (std::vector<int32_t>{unk}));
  // A character the vocab lacks makes the whole word unknown, not just its piece.
  EXPECT_EQ(tok->encode("ab\xEA\x80\x80", false, false), (std::vector<int32_t>{unk}));
}

TEST(WpmTokenizer, ParseSpecial) {
  const Tokenizer* tok = shared_tokenizer(kBge);
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = tok->encode("[CLS] hi [SEP]", false, true);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 101);
  EXPECT_EQ(ids.back(), 102);
  for (int32_t id : tok->encode("[CLS] hi [SEP]", false, false)) {
    EXPECT_NE(id, 101);
    EXPECT_NE(id, 102);
  }
}

}  // namespace
}  // namespace herd
