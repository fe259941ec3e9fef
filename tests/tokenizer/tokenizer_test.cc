#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <list>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "../gguf/gguf_test_builder.h"
#include "tokenizer_test_util.h"

namespace herd {
namespace {

using testing::make_tokenizer;
using testing::shared_gguf;
using testing::shared_tokenizer;
using testing::small_spm_params;

TEST(Tokenizer, FromGgufPicksSpmForLlama) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab().model(), "llama");
  EXPECT_EQ(tok->vocab().n_tokens(), 512);
}

TEST(Tokenizer, FromGgufPicksBpeForGpt2AndWpmForBert) {
  const Tokenizer* bpe = shared_tokenizer("vocab/ggml-vocab-gpt-2.gguf");
  ASSERT_NE(bpe, nullptr);
  EXPECT_EQ(bpe->vocab().model(), "gpt2");
  EXPECT_EQ(bpe->encode("Hello world", false, false), (std::vector<int32_t>{15496, 995}));
  const Tokenizer* wpm = shared_tokenizer("vocab/ggml-vocab-bert-bge.gguf");
  ASSERT_NE(wpm, nullptr);
  EXPECT_EQ(wpm->vocab().model(), "bert");
}

TEST(Tokenizer, OtherModelsAreUnsupported) {
  VocabParams p;
  p.model = "rwkv";
  p.tokens = {"a", "b"};
  Result<Vocab> v = Vocab::create(std::move(p));
  ASSERT_TRUE(v.ok());
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::create(std::move(v).value());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(t.status().message().find("rwkv"), std::string::npos);
}

TEST(Tokenizer, UnknownBpePreTokenizerIsUnsupported) {
  VocabParams p;
  p.model = "gpt2";
  p.pre = "no-such-family";
  p.tokens = {"a", "b"};
  Result<Vocab> v = Vocab::create(std::move(p));
  ASSERT_TRUE(v.ok());
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::create(std::move(v).value());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(t.status().message().find("no-such-family"), std::string::npos);
}

TEST(Tokenizer, FromGgufWithoutTokenizerIsAnError) {
  test::GgufBuilder b;
  b.header(3, 0, 1).kv_string("general.architecture", "llama");
  Result<std::unique_ptr<GgufFile>> f = GgufFile::parse(b.span());
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(**f);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
}

TEST(Tokenizer, DecodeDropsTheSpacePrefixOnce) {
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const int32_t hello = *tok->vocab().find("\xE2\x96\x81Hello");
  const int32_t world = *tok->vocab().find("\xE2\x96\x81world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{hello, world}), "Hello world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, hello, world}), "Hello world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, hello, world}, true), "<s>Hello world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, hello, 2, world}), "Hello world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, hello, 2, world}, true), "<s>Hello</s> world");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{}), "");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 2}), "");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{-1, 99999, hello}), " Hello")
      << "bad ids give nothing but still count as the start";
}

TEST(Tokenizer, AppendPieceIsDecodeStepByStep) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378};
  std::string out;
  bool at_start = true;
  for (int32_t id : ids) tok->append_piece(id, false, at_start, out);
  EXPECT_FALSE(at_start);
  EXPECT_EQ(out, tok->decode(ids));
}

TEST(Tokenizer, EndOfGeneration) {
  const Tokenizer* tok = shared_tokenizer("stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->is_end_of_generation(2));
  EXPECT_FALSE(tok->is_end_of_generation(1));
  EXPECT_FALSE(tok->is_end_of_generation(403));
  const Tokenizer* phi3 = shared_tokenizer("vocab/ggml-vocab-phi-3.gguf");
  ASSERT_NE(phi3, nullptr);
  EXPECT_TRUE(phi3->is_end_of_generation(32000));  // <|endoftext|>
  EXPECT_TRUE(phi3->is_end_of_generation(32007));  // <|end|>
}

std::vector<std::pair<int32_t, std::string>> fragments(const Tokenizer& tok, std::string_view text,
                                                       bool parse_special) {
  std::vector<std::pair<int32_t, std::string>> out;
  for (const TextFragment& f : tok.split_special(text, parse_special)) {
    out.emplace_back(f.token, std::string(f.text));
  }
  return out;
}

TEST(Tokenizer, SplitSpecial) {
  VocabParams p = small_spm_params({{"a", 0}, {"<|x|>", 0}, {"<|x", 0}, {"[u]", 0}}, false);
  p.types[4] = TokenType::kControl;      // <|x|>
  p.types[5] = TokenType::kControl;      // <|x
  p.types[6] = TokenType::kUserDefined;  // [u]
  auto tok = make_tokenizer(p);
  ASSERT_NE(tok, nullptr);
  using F = std::vector<std::pair<int32_t, std::string>>;
  EXPECT_EQ(fragments(*tok, "", true), F{});
  EXPECT_EQ(fragments(*tok, "plain", true), (F{{-1, "plain"}}));
  EXPECT_EQ(fragments(*tok, "<s>hi</s>", true), (F{{1, "<s>"}, {-1, "hi"}, {2, "</s>"}}));
  EXPECT_EQ(fragments(*tok, "<s>hi</s>", false), (F{{-1, "<s>hi</s>"}}));
  // The longer token wins where two overlap; the shorter still matches elsewhere.
  EXPECT_EQ(fragments(*tok, "<|x|><|x<|x|>", true), (F{{4, "<|x|>"}, {5, "<|x"}, {4, "<|x|>"}}));
  // User-defined tokens are matched either way; control ones only when parsing.
  EXPECT_EQ(fragments(*tok, "a[u]b<|x|>", false), (F{{-1, "a"}, {6, "[u]"}, {-1, "b<|x|>"}}));
  EXPECT_EQ(fragments(*tok, "[u][u]", false), (F{{6, "[u]"}, {6, "[u]"}}));
  EXPECT_EQ(fragments(*tok, "<unk>", true), (F{{0, "<unk>"}}));
  EXPECT_EQ(fragments(*tok, "<unk>", false), (F{{-1, "<unk>"}}));
}

// The plain definition split_special must agree with: each token in turn (the order of
// Vocab::special_tokens()) cuts every raw fragment at each occurrence, leftmost first.
std::vector<std::pair<int32_t, std::string>> reference_split(const Tokenizer& tok,
                                                             std::string_view text,
                                                             bool parse_special) {
  std::list<std::pair<int32_t, std::string>> frags;
  if (!text.empty()) frags.emplace_back(-1, std::string(text));
  for (int32_t id : tok.vocab().special_tokens()) {
    if (!parse_special && tok.vocab().type(id) != TokenType::kUserDefined) continue;
    const std::string needle(tok.vocab().text(id));
    for (auto it = frags.begin(); it != frags.end();) {
      if (it->first >= 0 || it->second.find(needle) == std::string::npos) {
        ++it;
        continue;
      }
      std::string rest = it->second;
      it = frags.erase(it);
      for (size_t pos = rest.find(needle); pos != std::string::npos; pos = rest.find(needle)) {
        if (pos > 0) frags.insert(it, {-1, rest.substr(0, pos)});
        frags.insert(it, {id, needle});
        rest = rest.substr(pos + needle.size());
      }
      if (!rest.empty()) frags.insert(it, {-1, rest});
    }
  }
  return {frags.begin(), frags.end()};
}

TEST(Tokenizer, SplitSpecialMatchesReferenceOnRandomText) {
  auto tok = testing::overlapping_specials_tokenizer();
  ASSERT_NE(tok, nullptr);
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 16);
    for (int i = 0; i < n; ++i) text += "abcx<"[rng() % 5];
    for (bool parse : {false, true}) {
      EXPECT_EQ(fragments(*tok, text, parse), reference_split(*tok, text, parse))
          << text << " parse_special=" << parse;
    }
  }
}

TEST(Tokenizer, SplitSpecialWithManyUserDefinedTokens) {
  // DeepSeek's vocab has 2398 user-defined tokens; splitting must not scan per token.
  const Tokenizer* tok = shared_tokenizer("vocab/ggml-vocab-deepseek-llm.gguf");
  ASSERT_NE(tok, nullptr);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "d\xC3\xA9j\xC3\xA0 vu <\xEF\xBD\x9C> ";
  EXPECT_EQ(fragments(*tok, text, true), reference_split(*tok, text, true));
  EXPECT_EQ(fragments(*tok, text, false), reference_split(*tok, text, false));
}

TEST(Tokenizer, AddSpecialFollowsVocab) {
  VocabParams p = small_spm_params({{"\xE2\x96\x81" "a", 0}}, false);
  p.add_bos = false;
  p.add_eos = true;
  auto tok = make_tokenizer(p);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a", true, false), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(tok->encode("a", false, false), (std::vector<int32_t>{3}));
  EXPECT_EQ(tok->encode("", true, false), (std::vector<int32_t>{2}));
}

}  // namespace
}  // namespace herd
