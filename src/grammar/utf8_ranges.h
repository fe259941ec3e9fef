// Code-point classes as UTF-8 byte sequences. GBNF classes ([a-z], [^"\\], '.') speak of code
// points, the matcher of bytes; a class becomes alternatives that are each a sequence of 1 to 4
// byte sets (all the encodings of a block of code points that share a shape), so a byte-level
// matcher accepts exactly the UTF-8 encodings of the class's code points and nothing else
// (no surrogates, no overlong forms, nothing past U+10FFFF).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grammar/grammar.h"

namespace herd::grammar {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

struct CodePointRange {
  uint32_t lo = 0;  // inclusive
  uint32_t hi = 0;  // inclusive
};

// Sorted, overlapping and touching ranges merged, surrogates (U+D800..U+DFFF) and anything past
// U+10FFFF removed, ranges with lo > hi dropped.
std::vector<CodePointRange> normalize_ranges(std::vector<CodePointRange> ranges);

// Every scalar value (U+0000..U+10FFFF less the surrogates) not in `ranges`.
std::vector<CodePointRange> complement_ranges(const std::vector<CodePointRange>& ranges);

// The UTF-8 encodings of the code points in `ranges` as alternatives of byte-set sequences;
// alternatives that differ in one position only are merged. Empty when no code point is left.
std::vector<std::vector<ByteSet>> utf8_sequences(const std::vector<CodePointRange>& ranges);

// Appends the UTF-8 encoding of a scalar value (the caller excludes surrogates and > U+10FFFF).
void append_utf8(uint32_t cp, std::string& out);

}  // namespace herd::grammar
