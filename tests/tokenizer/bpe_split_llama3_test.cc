// The hand-written Llama 3 / Qwen2 splitter against the PCRE2 regex it replaces: the
// words must be identical for any input.
#include "tokenizer/bpe_split_llama3.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tokenizer/bpe_pretokenizer.h"
#include "tokenizer/byte_level.h"

namespace herd {
namespace {

using Words = std::vector<std::string_view>;

class Llama3SplitTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Result<BpePreConfig> c = bpe_pre_config(GetParam());
    ASSERT_TRUE(c.ok());
    Result<BpePreTokenizer> fast = BpePreTokenizer::create(c->patterns, true);
    Result<BpePreTokenizer> pcre = BpePreTokenizer::create(c->patterns, false);
    ASSERT_TRUE(fast.ok() && pcre.ok());
    fast_.emplace(std::move(fast).value());
    pcre_.emplace(std::move(pcre).value());
  }

  // True when both split `text` alike; the first few differences are reported.
  bool same(const std::string& text) {
    Words a, b;
    fast_->split(text, a, scratch_);
    pcre_->split(text, b, scratch_);
    if (a == b) return true;
    if (++failures_ <= 5) {
      std::string shown;
      for (unsigned char ch : text) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", ch);
        shown += ch >= 0x20 && ch < 0x7F ? std::string(1, static_cast<char>(ch)) : hex;
      }
      ADD_FAILURE() << GetParam() << ": words differ for \"" << shown << "\"";
    }
    return false;
  }

  std::optional<BpePreTokenizer> fast_, pcre_;
  BpePreTokenizer::Scratch scratch_;
  int failures_ = 0;
};

TEST_P(Llama3SplitTest, EveryCodePointInContext) {
  // Each character where each alternative of the regex looks at it: after an apostrophe
  // (contractions, caseless), before and after letters, digits, spaces and newlines.
  const char* contexts[][2] = {{"'", ""},  {"'", "e"}, {"'l", ""}, {"a", "b"},  {" ", "x"},
                               {" ", "1"}, {"1", "2"}, {"", "  x"}, {"\n", " "}, {"!", "\n"},
                               {"  ", ""}, {"", ""}};
  std::string ch, text;
  for (uint32_t cp = 0; cp < 0x110000; cp += cp < 0x3400 ? 1 : 7) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    ch.clear();
    append_utf8(cp, ch);
    for (const auto& c : contexts) {
      text = std::string(c[0]) + ch + c[1];
      same(text);
    }
    same(ch + ch + "\n" + ch);
  }
  EXPECT_EQ(failures_, 0);
}

TEST_P(Llama3SplitTest, RandomTextsFromAwkwardPieces) {
  const std::vector<std::string> pieces = {
      "a", "Z", "s", "S", "t", "re", "VE", "m", "LL", "d", "e", "l", "'", "\xE2\x80\x99",
      " ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f", "7", "123", "\xC2\xBD", "\xC2\xB2",
      "!", "(", "$", "_", "\xC5\xBF", "\xE2\x84\xAA", "\xC2\x85", "\xE1\xA0\x8E", "\xC2\xA0",
      "\xE3\x80\x80", "\xE2\x80\xA8", "\xE4\xB8\xAD", "\xE6\x96\x87", "\xEF\xBC\x8C",
      "\xCC\x81", "\xF0\x9F\x98\x80", "\xC3\xA9", "\xD9\xA3", "\xFF", "\xE4\xB8", "\x80", "\0"};
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    same(text);
  }
  EXPECT_EQ(failures_, 0);
}

TEST_P(Llama3SplitTest, Examples) {
  for (const char* text :
       {"Hello world's  test 123!!", "x\n\n  y", "  \n  \n  ", "I'M", "'ll've", "(hello)",
        "a\t\tb", "a \n", "end  ", "\xE4\xB8\xAD\xE6\x96\x87\xEF\xBC\x8C\xE6\x96\x87",
        "int main() {\n    return 0;\n}\n", "12345678", "\xC2\xBD\xC2\xBD\xC2\xBD\xC2\xBD"}) {
    EXPECT_TRUE(same(text)) << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, Llama3SplitTest, ::testing::Values("llama-bpe", "qwen2"));

TEST(BpeSplitLlama3, WordsOfAnExample) {
  std::vector<std::string> words;
  bpe_split_llama3("I'm  at 12345\n\n ok", 3, &words, [](void* ctx, std::string_view w) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(w);
  });
  EXPECT_EQ(words, (std::vector<std::string>{"I", "'m", " ", " at", " ", "123", "45", "\n\n",
                                             " ok"}));
}

}  // namespace
}  // namespace herd
