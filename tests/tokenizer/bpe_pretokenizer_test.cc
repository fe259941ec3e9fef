#include "tokenizer/bpe_pretokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace herd {
namespace {

std::vector<std::string> words_of(std::string_view pre, std::string_view text) {
  Result<BpePreConfig> c = bpe_pre_config(pre);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  if (!c.ok()) return {};
  Result<BpePreTokenizer> p = BpePreTokenizer::create(c->patterns);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  if (!p.ok()) return {};
  std::vector<std::string_view> words;
  BpePreTokenizer::Scratch scratch;
  p->split(text, words, scratch);
  return {words.begin(), words.end()};
}

using Words = std::vector<std::string>;

TEST(BpePreTokenizer, Gpt2) {
  EXPECT_EQ(words_of("gpt-2", "Hello world's  test 123!!"),
            (Words{"Hello", " world", "'s", " ", " test", " 123", "!!"}));
  EXPECT_EQ(words_of("gpt-2", "a\n\n b"), (Words{"a", "\n\n", " b"}));
  EXPECT_EQ(words_of("gpt-2", "x   "), (Words{"x", "   "}));
}

TEST(BpePreTokenizer, Llama3GroupsDigitsByThreeAndIgnoresCase) {
  EXPECT_EQ(words_of("llama-bpe", "1234567 I'M ok"),
            (Words{"123", "456", "7", " I", "'M", " ok"}));
  EXPECT_EQ(words_of("llama-bpe", "x\n\n  y"), (Words{"x", "\n\n", " ", " y"}));
  EXPECT_EQ(words_of("llama-bpe", "(hello)"), (Words{"(hello", ")"}));
}

TEST(BpePreTokenizer, Qwen2SingleDigits) {
  EXPECT_EQ(words_of("qwen2", "ab 123"), (Words{"ab", " ", "1", "2", "3"}));
}

TEST(BpePreTokenizer, StarcoderDigitsFirst) {
  EXPECT_EQ(words_of("starcoder", "x 42"), (Words{"x", " ", "4", "2"}));
}

TEST(BpePreTokenizer, FalconPunctuationAndDigitTriples) {
  EXPECT_EQ(words_of("falcon", "a+=b 12345"), (Words{"a", "+=", "b", " ", "123", "45"}));
}

TEST(BpePreTokenizer, DeepseekCoderCjkRuns) {
  EXPECT_EQ(words_of("deepseek-coder", "hi 你好\nok"), (Words{"hi", " ", "你好", "\n", "ok"}));
}

TEST(BpePreTokenizer, InvalidUtf8BytesAreWordsOfTheirOwn) {
  EXPECT_EQ(words_of("gpt-2", "ab\xFF" "cd"), (Words{"ab", "\xFF", "cd"}));
  EXPECT_EQ(words_of("llama-bpe", "\xE4\xB8"), (Words{"\xE4", "\xB8"}));
}

TEST(BpePreTokenizer, EveryKnownFamilyCompiles) {
  for (const char* pre : {"", "default", "llama-bpe", "llama3", "deepseek-llm", "deepseek-coder",
                          "deepseek-v3", "falcon", "mpt", "starcoder", "refact", "command-r",
                          "smollm", "gpt-2", "qwen2", "stablelm2", "olmo", "dbrx", "poro-chat",
                          "chatglm-bpe", "viking", "jais", "tekken", "codeshell", "bloom",
                          "gpt3-finnish", "exaone", "chameleon", "minerva-7b", "megrez",
                          "gpt-4o", "roberta-bpe", "deepseek-r1-qwen"}) {
    Result<BpePreConfig> c = bpe_pre_config(pre);
    ASSERT_TRUE(c.ok()) << pre;
    EXPECT_TRUE(BpePreTokenizer::create(c->patterns).ok()) << pre;
  }
  EXPECT_EQ(bpe_pre_config("nope").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(BpePreTokenizer::create({"(unclosed"}).status().code(), StatusCode::kInvalidArgument);
}

TEST(BpePreTokenizer, WordsCoverTheTextExactly) {
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "Z", " ", "  ", "\n", "\r", "\t", "7", "'s",
                                             "!", "\xC3\xA9", "\xE4\xB8\x80", "\xF0\x9F\x98\x80",
                                             "\xFF", "\xE4", "\xCC\x81", "$"};
  for (const char* pre : {"gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-coder",
                          "falcon", "starcoder", "gpt-4o", "tekken", "default"}) {
    for (int round = 0; round < 50; ++round) {
      std::string text;
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
      std::string joined;
      for (const std::string& w : words_of(pre, text)) {
        EXPECT_FALSE(w.empty());
        joined += w;
      }
      EXPECT_EQ(joined, text) << pre;
    }
  }
}

}  // namespace
}  // namespace herd
