#include "tokenizer/unicode_data.h"

#include <gtest/gtest.h>

#include <vector>

namespace herd {
namespace {

std::vector<uint32_t> fold(uint32_t cp) {
  uint32_t out[3];
  const int n = unicode_bert_fold(cp, out);
  return std::vector<uint32_t>(out, out + n);
}

using Cps = std::vector<uint32_t>;

TEST(UnicodeData, BertFold) {
  EXPECT_EQ(fold('A'), Cps{'a'});
  EXPECT_EQ(fold('7'), Cps{'7'});
  EXPECT_EQ(fold(0xC9), Cps{'e'});          // É
  EXPECT_EQ(fold(0x1EA0), Cps{'a'});        // Ạ: two marks dropped
  EXPECT_EQ(fold(0x301), Cps{});            // a lone combining acute
  EXPECT_EQ(fold(0x130), Cps{'i'});         // İ
  EXPECT_EQ(fold(0x414), Cps{0x434});       // Cyrillic Д
  EXPECT_EQ(fold(0x212A), Cps{'k'});        // Kelvin sign
  EXPECT_EQ(fold(0xAC00), (Cps{0x1100, 0x1161}));          // 가
  EXPECT_EQ(fold(0xAC01), (Cps{0x1100, 0x1161, 0x11A8}));  // 각
  EXPECT_EQ(fold(0x4E00), Cps{0x4E00});
  EXPECT_EQ(fold(0x1F600), Cps{0x1F600});
}

TEST(UnicodeData, Categories) {
  EXPECT_TRUE(unicode_is_punctuation(','));
  EXPECT_TRUE(unicode_is_punctuation(0xBF));    // ¿
  EXPECT_TRUE(unicode_is_punctuation(0x3002));  // 。
  EXPECT_FALSE(unicode_is_punctuation('$'));    // a symbol
  EXPECT_FALSE(unicode_is_punctuation('a'));
  EXPECT_TRUE(unicode_is_nonspacing_mark(0x301));
  EXPECT_FALSE(unicode_is_nonspacing_mark('a'));
  EXPECT_TRUE(unicode_is_other(0x01));
  EXPECT_TRUE(unicode_is_other(0x200B));   // zero width space (Cf)
  EXPECT_TRUE(unicode_is_other(0xE000));   // private use
  EXPECT_FALSE(unicode_is_other('a'));
  EXPECT_TRUE(unicode_is_white_space(' '));
  EXPECT_TRUE(unicode_is_white_space(0x3000));
  EXPECT_TRUE(unicode_is_white_space(0xA0));
  EXPECT_FALSE(unicode_is_white_space(0x200B));
  EXPECT_TRUE(unicode_is_cjk_ideograph(0x4E00));
  EXPECT_TRUE(unicode_is_cjk_ideograph(0x20000));
  EXPECT_FALSE(unicode_is_cjk_ideograph(0x3042));  // hiragana
}

}  // namespace
}  // namespace herd
