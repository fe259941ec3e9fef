#include "grammar/utf8_ranges.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd::grammar {
namespace {

bool is_scalar(uint32_t cp) { return cp <= kMaxCodePoint && (cp < 0xD800 || cp > 0xDFFF); }

bool in_ranges(const std::vector<CodePointRange>& ranges, uint32_t cp) {
  for (const CodePointRange& r : ranges) {
    if (cp >= r.lo && cp <= r.hi) return true;
  }
  return false;
}

bool sequence_accepts(const std::vector<std::vector<ByteSet>>& alts, const std::string& bytes) {
  for (const auto& alt : alts) {
    if (alt.size() != bytes.size()) continue;
    bool all = true;
    for (size_t i = 0; i < alt.size() && all; ++i) all = alt[i].test(uint8_t(bytes[i]));
    if (all) return true;
  }
  return false;
}

// For every code point: its encoding is accepted iff it is in the class. And the alternatives
// spell exactly as many byte strings as the class has code points, so nothing else (surrogates,
// overlong forms, bytes past U+10FFFF) can be accepted.
void check_exhaustively(const std::vector<CodePointRange>& ranges, bool negate) {
  const std::vector<CodePointRange> set = negate ? complement_ranges(ranges) : normalize_ranges(ranges);
  const auto alts = utf8_sequences(set);
  uint64_t members = 0;
  std::string bytes;
  for (uint32_t cp = 0; cp <= kMaxCodePoint; ++cp) {
    if (!is_scalar(cp)) continue;
    const bool member = in_ranges(ranges, cp) != negate;
    members += member;
    bytes.clear();
    append_utf8(cp, bytes);
    ASSERT_EQ(sequence_accepts(alts, bytes), member) << "U+" << std::hex << cp;
  }
  uint64_t spelled = 0;
  for (const auto& alt : alts) {
    uint64_t n = 1;
    for (const ByteSet& s : alt) n *= s.count();
    spelled += n;
  }
  EXPECT_EQ(spelled, members);
}

TEST(Utf8Ranges, JsonStringCharacters) { check_exhaustively({{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}, true); }
TEST(Utf8Ranges, AnyCodePoint) { check_exhaustively({{0, kMaxCodePoint}}, false); }
TEST(Utf8Ranges, AsciiLetters) { check_exhaustively({{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}}, false); }
TEST(Utf8Ranges, AcrossEveryLengthBoundary) { check_exhaustively({{0x70, 0x10005}, {0x10FFF0, 0x10FFFF}}, false); }
TEST(Utf8Ranges, AroundSurrogates) { check_exhaustively({{0xD000, 0xE100}}, false); }
TEST(Utf8Ranges, NotAroundSurrogates) { check_exhaustively({{0xD7FF, 0xE000}}, true); }
TEST(Utf8Ranges, OddBlocks) {
  check_exhaustively({{0x7FF, 0x801}, {0x1234, 0x5678}, {0xFFFF, 0x10000}, {0x1F600, 0x1F64F}, {0x3FFFF, 0x40000}}, false);
}
TEST(Utf8Ranges, SingleCharacterNegated) { check_exhaustively({{'a', 'a'}}, true); }

TEST(Utf8Ranges, PseudoRandomRanges) {
  uint64_t state = 12345;
  auto next = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(state >> 33);
  };
  for (int round = 0; round < 3; ++round) {
    std::vector<CodePointRange> ranges;
    for (int k = 0; k < 6; ++k) {
      const uint32_t lo = next() % (kMaxCodePoint + 1);
      const uint32_t span = (k % 2) ? next() % 300 : next() % 70000;
      ranges.push_back({lo, std::min(kMaxCodePoint, lo + span)});
    }
    check_exhaustively(ranges, round == 1);
  }
}

TEST(Utf8Ranges, NormalizeMergesSortsAndCuts) {
  const auto out = normalize_ranges({{'m', 'z'}, {'a', 'c'}, {'d', 'f'}, {'x', 'x'}, {9, 3}, {0xD700, 0xDA00}, {0x110000, 0x110005}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].lo, uint32_t('a'));
  EXPECT_EQ(out[0].hi, uint32_t('f'));
  EXPECT_EQ(out[1].lo, uint32_t('m'));
  EXPECT_EQ(out[1].hi, uint32_t('z'));
  EXPECT_EQ(out[2].lo, 0xD700u);
  EXPECT_EQ(out[2].hi, 0xD7FFu);
}

TEST(Utf8Ranges, ComplementOfEverythingIsEmpty) {
  EXPECT_TRUE(complement_ranges({{0, kMaxCodePoint}}).empty());
  EXPECT_TRUE(utf8_sequences({}).empty());
  EXPECT_TRUE(utf8_sequences({{0xD800, 0xDFFF}}).empty());
}

TEST(Utf8Ranges, AsciiClassIsOneByteSet) {
  const auto alts = utf8_sequences({{'a', 'c'}, {'x', 'z'}});
  ASSERT_EQ(alts.size(), 1u);
  ASSERT_EQ(alts[0].size(), 1u);
  EXPECT_EQ(alts[0][0].count(), 6u);
}

TEST(Utf8Ranges, AnyCodePointHasFewShapes) {
  // 1 byte; 2 bytes; E0, E1-EC|EE-EF, ED; F0, F1-F3, F4: merged where only one byte differs.
  EXPECT_LE(utf8_sequences({{0, kMaxCodePoint}}).size(), 8u);
}

}  // namespace
}  // namespace herd::grammar
