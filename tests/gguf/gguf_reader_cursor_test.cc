#include "gguf/gguf_reader_cursor.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace herd {
namespace {

TEST(GgufCursor, ReadsLittleEndian) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  GgufCursor cur(bytes);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  ASSERT_TRUE(cur.read_u8(a, "a").ok());
  ASSERT_TRUE(cur.read_u16(b, "b").ok());
  ASSERT_TRUE(cur.read_u32(c, "c").ok());
  ASSERT_TRUE(cur.read_u64(d, "d").ok());
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0302);
  EXPECT_EQ(c, 0x07060504u);
  EXPECT_EQ(d, 0x0f0e0d0c0b0a0908ull);
  EXPECT_EQ(cur.offset(), 15u);
  EXPECT_EQ(cur.remaining(), 0u);
}

TEST(GgufCursor, ShortReadFailsAndKeepsPosition) {
  const std::vector<uint8_t> bytes = {1, 2, 3};
  GgufCursor cur(bytes);
  uint8_t a = 0;
  ASSERT_TRUE(cur.read_u8(a, "a").ok());
  uint32_t v = 0;
  const Status s = cur.read_u32(v, "tensor count");
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_NE(s.message().find("unexpected end of file reading tensor count at offset 1"),
            std::string::npos) << s.message();
  EXPECT_NE(s.message().find("needs 4 bytes, 2 remain"), std::string::npos) << s.message();
  EXPECT_EQ(cur.offset(), 1u);
}

TEST(GgufCursor, EmptyInput) {
  GgufCursor cur(std::span<const uint8_t>{});
  uint8_t a = 0;
  EXPECT_FALSE(cur.read_u8(a, "a").ok());
  EXPECT_EQ(cur.size(), 0u);
}

TEST(GgufCursor, ReadsStrings) {
  const std::vector<uint8_t> bytes = {3, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 0};
  GgufCursor cur(bytes);
  std::string_view s;
  ASSERT_TRUE(cur.read_string(s, "key").ok());
  EXPECT_EQ(s, "abc");
  ASSERT_TRUE(cur.read_string(s, "key").ok());
  EXPECT_EQ(s, "");
  EXPECT_EQ(cur.remaining(), 0u);
}

TEST(GgufCursor, StringLongerThanFileFails) {
  std::vector<uint8_t> bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x'};
  GgufCursor cur(bytes);
  std::string_view s;
  const Status st = cur.read_string(s, "key");
  EXPECT_EQ(st.code(), StatusCode::kCorruptFile);
  EXPECT_NE(st.message().find("key length 18446744073709551615 at offset 0 exceeds remaining 1 bytes"),
            std::string::npos) << st.message();
  EXPECT_EQ(cur.offset(), 0u);

  bytes = {5, 0, 0};
  GgufCursor short_len(bytes);
  const Status st2 = short_len.read_string(s, "name");
  EXPECT_NE(st2.message().find("reading name length"), std::string::npos) << st2.message();
}

TEST(GgufCursor, ReadBytesIsAView) {
  const std::vector<uint8_t> bytes = {1, 2, 3, 4};
  GgufCursor cur(bytes);
  std::span<const uint8_t> out;
  ASSERT_TRUE(cur.read_bytes(3, out, "x").ok());
  EXPECT_EQ(out.data(), bytes.data());
  EXPECT_EQ(out.size(), 3u);
  EXPECT_FALSE(cur.read_bytes(2, out, "x").ok());
  EXPECT_FALSE(cur.read_bytes(std::numeric_limits<uint64_t>::max(), out, "x").ok());
}

TEST(GgufCursor, CheckCountNeverOverflows) {
  const std::vector<uint8_t> bytes(120, 0);
  GgufCursor cur(bytes);
  EXPECT_TRUE(cur.check_count(120, 1, "n").ok());
  EXPECT_TRUE(cur.check_count(15, 8, "n").ok());
  EXPECT_FALSE(cur.check_count(16, 8, "n").ok());
  EXPECT_TRUE(cur.check_count(0, 12, "n").ok());
  const Status s = cur.check_count(1ull << 63, 4, "array count");
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_NE(s.message().find("array count 9223372036854775808 exceeds remaining 120 bytes"),
            std::string::npos) << s.message();
  // 2^62 * 4 wraps to 0 in 64 bits; the check must still fail.
  EXPECT_FALSE(cur.check_count(1ull << 62, 4, "n").ok());
  EXPECT_FALSE(cur.check_count(std::numeric_limits<uint64_t>::max(), 1, "n").ok());
}

}  // namespace
}  // namespace herd
