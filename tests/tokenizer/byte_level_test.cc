#include "tokenizer/byte_level.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace herd {
namespace {

TEST(ByteLevel, KnownCharacters) {
  EXPECT_EQ(byte_to_codepoint(' '), 0x120u);   // "Ġ"
  EXPECT_EQ(byte_to_codepoint('\n'), 0x10Au);  // "Ċ"
  EXPECT_EQ(byte_to_codepoint('\t'), 0x109u);
  EXPECT_EQ(byte_to_codepoint(0), 0x100u);
  EXPECT_EQ(byte_to_codepoint('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(byte_to_codepoint(0xAD), 0x143u);  // the last one moved
  EXPECT_EQ(byte_to_codepoint(0xE9), 0xE9u);
}

TEST(ByteLevel, IsABijection) {
  std::set<uint32_t> seen;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cp = byte_to_codepoint(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(cp).second) << b;
    EXPECT_EQ(byte_from_codepoint(cp), b);
  }
  EXPECT_EQ(byte_from_codepoint(0x144), -1);
  EXPECT_EQ(byte_from_codepoint(' '), -1);  // a space is never spelled as itself
  EXPECT_EQ(byte_from_codepoint(0x4E00), -1);
}

TEST(ByteLevel, EncodeDecodeAllBytes) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string spelled;
  byte_level_encode(all, spelled);
  std::string back;
  byte_level_decode(spelled, back);
  EXPECT_EQ(back, all);

  std::string s;
  byte_level_encode("Hi there\n", s);
  EXPECT_EQ(s, "Hi\xC4\xA0there\xC4\x8A");
}

TEST(ByteLevel, DecodeCopiesForeignCharactersThrough) {
  std::string out;
  byte_level_decode("a\xE4\xB8\x80 \xFF", out);  // U+4E00, a raw space, a stray byte
  EXPECT_EQ(out, "a\xE4\xB8\x80 \xFF");
}

TEST(ByteLevel, AppendUtf8) {
  std::string s;
  append_utf8(0x41, s);
  append_utf8(0xE9, s);
  append_utf8(0x20AC, s);
  append_utf8(0x1F600, s);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace herd
