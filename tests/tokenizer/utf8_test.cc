#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace herd {
namespace {

TEST(Utf8, ScanValid) {
  EXPECT_EQ(utf8_scan("a").kind, Utf8Scan::kValid);
  EXPECT_EQ(utf8_scan("a").length, 1u);
  EXPECT_EQ(utf8_scan(std::string(1, '\0')).length, 1u);
  EXPECT_EQ(utf8_scan("\xC3\xA9x").length, 2u);           // é
  EXPECT_EQ(utf8_scan("\xE2\x82\xAC").length, 3u);        // €
  EXPECT_EQ(utf8_scan("\xF0\x9F\x98\x80").length, 4u);    // 😀
  EXPECT_EQ(utf8_scan("\xF4\x8F\xBF\xBF").length, 4u);    // U+10FFFF
  EXPECT_EQ(utf8_scan("\xED\x9F\xBF").kind, Utf8Scan::kValid);  // U+D7FF
}

TEST(Utf8, ScanIncomplete) {
  for (const char* s : {"\xC3", "\xE2\x82", "\xE2", "\xF0\x9F\x98", "\xF0\x9F"}) {
    const Utf8Scan scan = utf8_scan(s);
    EXPECT_EQ(scan.kind, Utf8Scan::kIncomplete) << s;
    EXPECT_EQ(scan.length, std::string(s).size());
  }
}

TEST(Utf8, ScanInvalidMaximalSubparts) {
  struct Case {
    std::string s;
    size_t length;
  };
  const Case cases[] = {
      {"\x80", 1},             // lone continuation
      {"\xC0\xAF", 1},         // overlong lead
      {"\xC1\xBF", 1},
      {"\xF5\x80\x80\x80", 1},  // past U+10FFFF lead
      {"\xFF", 1},
      {"\xE0\x80\x80", 1},     // overlong: E0 needs A0..BF next
      {"\xED\xA0\x80", 1},     // surrogate
      {"\xF0\x80\x80\x80", 1},  // overlong
      {"\xF4\x90\x80\x80", 1},  // past U+10FFFF
      {"\xC3x", 1},            // truncated by a non-continuation
      {"\xE2\x82x", 2},
      {"\xF0\x9F\x98x", 3},
  };
  for (const Case& c : cases) {
    const Utf8Scan scan = utf8_scan(c.s);
    EXPECT_EQ(scan.kind, Utf8Scan::kInvalid);
    EXPECT_EQ(scan.length, c.length);
  }
}

TEST(Utf8, Sanitize) {
  EXPECT_EQ(utf8_sanitize("plain é €"), "plain é €");
  EXPECT_EQ(utf8_sanitize("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(utf8_sanitize("\xE2\x82x"), "\xEF\xBF\xBDx");  // one U+FFFD for the subpart
  EXPECT_EQ(utf8_sanitize("\xF0\x9F\x98"), "\xEF\xBF\xBD");  // unfinished at the end
  EXPECT_EQ(utf8_sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(utf8_sanitize(""), "");
}

TEST(Utf8, CompletePrefix) {
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98\x80"), 6u);
  EXPECT_EQ(utf8_complete_prefix("\xE2"), 0u);
  // Invalid bytes are "complete": nothing can fix them, so they are not held back.
  EXPECT_EQ(utf8_complete_prefix("a\xFF"), 2u);
  EXPECT_EQ(utf8_complete_prefix("\xE2\xE2\x82"), 1u);
  EXPECT_EQ(utf8_complete_prefix("\xE2\x82x"), 3u);
}

}  // namespace
}  // namespace herd
