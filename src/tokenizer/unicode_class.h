// The character classes byte-level BPE pre-tokenizer regexes are written in (\p{L},
// \p{N}, \s), for the hand-written splitters that stand in for PCRE2 on the hot path
// (bpe_split_llama3.h). They must agree with PCRE2 (UTF + UCP) exactly, down to its
// quirks: \s is category Z, TAB..CR, U+0085 and U+180E. Letters and numbers come from
// tables generated for Unicode 14.0 (the version the linked PCRE2 10.42 uses);
// unicode_class_test.cc checks every code point against PCRE2 itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "tokenizer/unicode_data.h"  // unicode_tables::CodepointRange

namespace herd {

enum UnicodeClass : uint8_t {
  kClassLetter = 1,  // \p{L}
  kClassNumber = 2,  // \p{N}
  kClassSpace = 4,   // \s under PCRE2's UCP
  kClassCrLf = 8,    // '\r' or '\n' (also kClassSpace)
};

namespace unicode_class_detail {
// Two-level table: stage1[cp >> 8] picks a 256-entry block of stage2. Built once, on
// first use, from the generated ranges.
struct Table {
  std::array<uint16_t, 0x1100> stage1{};
  const uint8_t* stage2 = nullptr;
};
const Table& table();
extern const std::array<uint8_t, 128> kAscii;
}  // namespace unicode_class_detail

// The UnicodeClass bits of a code point (0: none of them, "other").
inline uint8_t unicode_class(uint32_t cp) {
  if (cp < 0x80) return unicode_class_detail::kAscii[cp];
  if (cp >= 0x110000) return 0;
  const unicode_class_detail::Table& t = unicode_class_detail::table();
  return t.stage2[static_cast<size_t>(t.stage1[cp >> 8]) * 256 + (cp & 0xFF)];
}

// Builds the table now, so that the first text encoded does not pay for it.
void unicode_class_warm_up();

namespace unicode_tables {
extern const CodepointRange kLetter[];
extern const size_t kLetterCount;
extern const CodepointRange kNumber[];
extern const size_t kNumberCount;
}  // namespace unicode_tables

}  // namespace herd
