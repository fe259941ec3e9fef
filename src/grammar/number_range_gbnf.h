// JSON numbers between integer bounds, exactly: the integer part picks a decimal range
// (integer_range_gbnf.h) and the fraction what that integer part still allows. For x >= 0 with
// integer part I and fraction f (x = I + 0.f): x <= hi holds for I < hi, and for I == hi only
// when f is zero; x > lo for I > lo, and for I == lo only when f is not zero. Negative numbers
// are the same on the magnitude with the bounds mirrored. No exponent is generated, and at most
// 16 fraction digits.
#pragma once

#include <cstdint>
#include <string>

namespace herd::grammar {

struct NumberBound {
  bool present = false;
  int64_t value = 0;  // |value| <= 2^62
  bool exclusive = false;
};

// A parenthesized GBNF alternation of the numbers x with lo <= x <= hi (< or > where exclusive),
// or "" when there is none.
std::string number_range_gbnf(NumberBound lo, NumberBound hi);

}  // namespace herd::grammar
