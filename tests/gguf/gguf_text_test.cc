#include "gguf/gguf_text.h"

#include <gtest/gtest.h>

#include <string>

namespace herd {
namespace {

TEST(GgufText, QuotesPlainText) { EXPECT_EQ(gguf_quote("llama"), "\"llama\""); }

TEST(GgufText, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(gguf_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(gguf_quote("x\ny\tz\r"), "\"x\\ny\\tz\\r\"");
  EXPECT_EQ(gguf_quote(std::string("\x1b[31m\x7f", 6)), "\"\\x1b[31m\\x7f\"");
  EXPECT_EQ(gguf_quote(std::string("a\0b", 3)), "\"a\\x00b\"");
}

TEST(GgufText, KeepsValidUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(gguf_quote("\xe2\x96\x81the"), "\"\xe2\x96\x81the\"");  // U+2581
  EXPECT_EQ(gguf_quote("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // U+1F600
  EXPECT_EQ(gguf_quote("\xff"), "\"\\xff\"");
  EXPECT_EQ(gguf_quote("\xe2\x96"), "\"\\xe2\\x96\"");          // cut sequence
  EXPECT_EQ(gguf_quote("\xc0\xaf"), "\"\\xc0\\xaf\"");          // overlong
  EXPECT_EQ(gguf_quote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");  // surrogate
  EXPECT_EQ(gguf_quote("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");  // > U+10FFFF
}

TEST(GgufText, CutsLongText) {
  const std::string s(1000, 'a');
  EXPECT_EQ(gguf_quote(s, 4), "\"aaaa\"... (1000 bytes)");
  EXPECT_EQ(gguf_escape(s, 4), "aaaa... (1000 bytes)");
  EXPECT_EQ(gguf_quote("abcd", 4), "\"abcd\"");
  EXPECT_EQ(gguf_quote("", 4), "\"\"");
}

TEST(GgufText, EscapeHasNoQuotes) { EXPECT_EQ(gguf_escape("blk.0\n"), "blk.0\\n"); }

}  // namespace
}  // namespace herd
