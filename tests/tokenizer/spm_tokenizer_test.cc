#include "tokenizer/spm_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::make_tokenizer;
using testing::read_vectors;
using testing::shared_tokenizer;
using testing::small_spm_params;

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

// Every upstream case: add_special = false, parse_special = false.
void expect_vectors(const std::string& gguf, const std::string& vectors) {
  const Tokenizer* tok = shared_tokenizer(gguf);
  ASSERT_NE(tok, nullptr);
  const std::vector<testing::VectorCase> cases = read_vectors(vectors);
  ASSERT_EQ(cases.size(), 46u);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(show(tok->encode(cases[i].text, false, false)), show(cases[i].ids))
        << "case " << i << ": \"" << cases[i].text << "\"";
  }
}

TEST(SpmTokenizer, LlamaSpmVectors) {
  expect_vectors("vocab/ggml-vocab-llama-spm.gguf", "ggml-vocab-llama-spm");
}

TEST(SpmTokenizer, Phi3Vectors) { expect_vectors("vocab/ggml-vocab-phi-3.gguf", "ggml-vocab-phi-3"); }

TEST(SpmTokenizer, Llama2TinyRandomVectors) {
  expect_vectors("llama-2-tiny-random.gguf", "ggml-vocab-llama-spm");
}

TEST(SpmTokenizer, VectorsRoundTrip) {
  // Llama's vocab has byte fallback and no normalisation, so decode inverts encode.
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  for (const testing::VectorCase& c : read_vectors("ggml-vocab-llama-spm")) {
    EXPECT_EQ(tok->decode(tok->encode(c.text, false, false)), c.text);
    EXPECT_EQ(tok->decode(tok->encode(c.text, true, false)), c.text);
  }
}

TEST(SpmTokenizer, StoriesOnceUponATime) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("Once upon a time", true, false),
            (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(tok->encode("Once upon a time", false, false),
            (std::vector<int32_t>{403, 407, 261, 378}));
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 403, 407, 261, 378}), "Once upon a time");
}

TEST(SpmTokenizer, StoriesReferencePrompts) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const nlohmann::json j =
      testing::read_json(testing::shared_dir() / "reference" / "logits" / "stories260K.json");
  int checked = 0;
  for (const auto& seq : j["sequences"]) {
    if (seq["kind"] != "text") continue;
    const std::string text = seq["text"];
    const std::vector<int32_t> want = seq["tokens"];
    EXPECT_EQ(tok->encode(text, true, false), want) << text;
    EXPECT_EQ(tok->decode(want), text);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(SpmTokenizer, StoriesGreedyTextsDecode) {
  // The generated continuations are plain concatenations of pieces (no BOS in front,
  // so the space of the first word stays): decode after a prompt gives the same.
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const nlohmann::json j =
      testing::read_json(testing::shared_dir() / "reference" / "logits" / "stories260K.json");
  for (const auto& seq : j["sequences"]) {
    const std::vector<int32_t> gen = seq["greedy"]["tokens"];
    std::string pieces;
    for (int32_t id : gen) pieces += tok->token_to_piece(id);
    EXPECT_EQ(pieces, seq["greedy"]["text"].get<std::string>()) << seq["name"];
  }
}

TEST(SpmTokenizer, EmptyAndSpaces) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->encode("", false, false).empty());
  EXPECT_EQ(tok->encode("", true, false), (std::vector<int32_t>{1}));
  EXPECT_EQ(tok->decode(tok->encode(" ", true, false)), " ");
}

TEST(SpmTokenizer, ParseSpecial) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> hello = tok->encode("hello", false, false);
  std::vector<int32_t> want = {1};
  want.insert(want.end(), hello.begin(), hello.end());
  want.push_back(2);
  EXPECT_EQ(tok->encode("<s>hello</s>", false, true), want);

  // Without parse_special the markers are text: no control ids come out.
  const std::vector<int32_t> plain = tok->encode("<s>hello</s>", false, false);
  for (int32_t id : plain) {
    EXPECT_NE(tok->vocab().type(id), TokenType::kControl) << id;
  }
  EXPECT_EQ(tok->decode(plain), "<s>hello</s>");
  // add_special puts BOS in front of that text, once.
  const std::vector<int32_t> with_bos = tok->encode("<s>hello</s>", true, false);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos[0], 1);
  EXPECT_EQ(std::vector<int32_t>(with_bos.begin() + 1, with_bos.end()), plain);

  // Text after a special token gets the space prefix again (llama.cpp does the same).
  const std::vector<int32_t> world = tok->encode("world", false, false);
  std::vector<int32_t> want2 = hello;
  want2.push_back(2);
  want2.insert(want2.end(), world.begin(), world.end());
  EXPECT_EQ(tok->encode("hello</s>world", false, true), want2);
  // <unk> is named only with parse_special.
  EXPECT_EQ(tok->encode("<unk>", false, true), (std::vector<int32_t>{0}));
  EXPECT_NE(tok->encode("<unk>", false, false), (std::vector<int32_t>{0}));
}

TEST(SpmTokenizer, Phi3UserDefinedTokenIsAlwaysMatched) {
  // In phi-3's vocab "</s>" is user-defined: matched whole even without parse_special,
  // while "<|end|>" is control and stays text.
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-phi-3.gguf");
  ASSERT_NE(tok, nullptr);
  ASSERT_EQ(tok->vocab().type(2), TokenType::kUserDefined);
  const std::vector<int32_t> ids = tok->encode("hi</s>", false, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tok->decode(ids), "hi</s>");
  const std::vector<int32_t> end_text = tok->encode("<|end|>", false, false);
  EXPECT_EQ(std::count(end_text.begin(), end_text.end(), 32007), 0);
  EXPECT_EQ(tok->encode("<|end|>", false, true), (std::vector<int32_t>{32007}));
}

TEST(SpmTokenizer, InvalidUtf8BecomesByteTokens) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<std::string> inputs = {
      "\xFF", "a\x80" "b", "\xE2\x82", "\xF0\x9F\x98", "x\xC0\xAFy", "\xED\xA0\x80", "ok\xF4\x90\x80\x80",
      std::string("nul\0byte", 8),
  };
  for (const std::string& in : inputs) {
    const std::vector<int32_t> ids = tok->encode(in, false, false);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok->decode(ids), in) << "lossless even for bad bytes";
  }
  // A lone bad byte is exactly its byte token, after the prefix space.
  EXPECT_EQ(tok->encode("\xFF", false, false),
            (std::vector<int32_t>{29871, *tok->vocab().find("<0xFF>")}));
}

TEST(SpmTokenizer, HighestScoreMergesFirstTiesLeftmost) {
  // "abc": both "ab" and "bc" are tokens. The higher score wins; with equal scores,
  // the leftmost pair merges first.
  {
    auto tok = make_tokenizer(small_spm_params(
        {{"\xE2\x96\x81", -5}, {"a", -5}, {"b", -5}, {"c", -5}, {"ab", -2}, {"bc", -1}}, false));
    ASSERT_NE(tok, nullptr);
    const std::vector<int32_t> ids = tok->encode("abc", false, false);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(tok->vocab().text(ids[0]), "\xE2\x96\x81");
    EXPECT_EQ(tok->vocab().text(ids[1]), "a");
    EXPECT_EQ(tok->vocab().text(ids[2]), "bc");
  }
  {
    VocabParams p = small_spm_params(
        {{"\xE2\x96\x81", -5}, {"a", -5}, {"b", -5}, {"c", -5}, {"ab", -1}, {"bc", -1}}, false);
    auto tok = make_tokenizer(p);
    ASSERT_NE(tok, nullptr);
    const std::vector<int32_t> ids = tok->encode("abc", false, false);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(tok->vocab().text(ids[0]), "\xE2\x96\x81");
    EXPECT_EQ(tok->vocab().text(ids[1]), "ab");
    EXPECT_EQ(tok->vocab().text(ids[2]), "c");
  }
}

TEST(SpmTokenizer, MergesNeverFormControlOrByteTokens) {
  // "<s>" is reachable by merging "<s" + ">", but it is a control token.
  auto tok = make_tokenizer(small_spm_params({{"<", -1}, {"s", -1}, {">", -1}, {"<s", 0}}, false));
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = tok->encode("<s>", false, false);
  for (int32_t id : ids) EXPECT_NE(id, 1);
}

TEST(SpmTokenizer, ByteFallbackWithoutByteTokensUsesUnk) {
  auto tok = make_tokenizer(small_spm_params({{"\xE2\x96\x81", 0}, {"a", -1}}, false));
  ASSERT_NE(tok, nullptr);
  // "é" is two bytes, neither has a byte token: two unks.
  EXPECT_EQ(tok->encode("a\xC3\xA9", false, false), (std::vector<int32_t>{3, 4, 0, 0}));
}

TEST(SpmTokenizer, NoSpacePrefixWhenVocabSaysSo) {
  VocabParams p = small_spm_params({{"\xE2\x96\x81", 0}, {"a", -1}, {"\xE2\x96\x81" "a", 1}}, false);
  p.add_space_prefix = false;
  auto tok = make_tokenizer(p);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a", false, false), (std::vector<int32_t>{4}));
  EXPECT_EQ(tok->encode(" a", false, false), (std::vector<int32_t>{5}));
  EXPECT_EQ(tok->decode(std::vector<int32_t>{5}), " a");
}

TEST(SpmTokenizer, TokenToPiece) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const Vocab& v = tok->vocab();
  EXPECT_EQ(tok->token_to_piece(*v.find("\xE2\x96\x81Hello")), " Hello");
  EXPECT_EQ(tok->token_to_piece(*v.find("<0x0A>")), "\n");
  EXPECT_EQ(tok->token_to_piece(*v.find("<0x00>")), std::string(1, '\0'));
  EXPECT_EQ(tok->token_to_piece(*v.find("<0xFF>")), "\xFF");
  EXPECT_EQ(tok->token_to_piece(1), "");
  EXPECT_EQ(tok->token_to_piece(1, true), "<s>");
  EXPECT_EQ(tok->token_to_piece(0), "");
  EXPECT_EQ(tok->token_to_piece(0, true), "<unk>");
  EXPECT_EQ(tok->token_to_piece(-1), "");
  EXPECT_EQ(tok->token_to_piece(32000), "");
}

// Long inputs round-trip (a quadratic merge would make this take minutes and run into
// the test timeout; there is no timed assertion here).
TEST(SpmTokenizer, LongInputRoundTrips) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  std::string text;
  while (text.size() < 200000) text += "The quick brown fox jumps over the lazy dog. Привет 你好 ";
  std::string no_spaces(100000, 'a');  // one long word: the worst case for merging
  const std::vector<int32_t> ids = tok->encode(text, true, false);
  const std::vector<int32_t> ids2 = tok->encode(no_spaces, false, false);
  EXPECT_EQ(tok->decode(ids), text);
  EXPECT_EQ(tok->decode(ids2), no_spaces);
}

}  // namespace
}  // namespace herd
