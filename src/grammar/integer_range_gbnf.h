// Exact decimal ranges as GBNF: the digit strings of the integers in [lo, hi], built by
// splitting the range by length and then by leading digit (so [123, 4567] becomes
// "12[3-9]" | "1[3-9][0-9]" | [2-9][0-9]{2} | [1-3][0-9]{3} | "4" [0-4][0-9]{2} | ...).
// The numbers of the JSON schema compiler (integer and number bounds) are built from these.
#pragma once

#include <cstdint>
#include <string>

namespace herd::grammar {

// Integers beyond this many digits are not generated where a side of a range is open: an
// open end means "up to 18 digits" (all fit int64, and an output cannot grow without end).
constexpr int64_t kOpenIntegerBound = 999999999999999999;  // 10^18 - 1

// Digit strings without sign or leading zeros ("0" itself allowed) whose value is in [lo, hi],
// as a parenthesized GBNF alternation. Requires lo <= hi.
std::string unsigned_range_gbnf(uint64_t lo, uint64_t hi);
// JSON integers in [lo, hi]: a '-' for negative values, never "-0". Requires lo <= hi.
std::string integer_range_gbnf(int64_t lo, int64_t hi);

}  // namespace herd::grammar
