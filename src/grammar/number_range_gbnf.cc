#include "grammar/number_range_gbnf.h"

#include <algorithm>
#include <vector>

#include "grammar/gbnf_writer.h"
#include "grammar/integer_range_gbnf.h"

namespace herd::grammar {
namespace {

// Which fractions an integer part allows: bit 0 a zero fraction (none, ".0", ".00"...),
// bit 1 a non-zero one.
enum FractionSet : unsigned { kNoFraction = 0, kZeroFraction = 1, kNonZeroFraction = 2, kAnyFraction = 3 };

std::string fraction_gbnf(unsigned set) {
  switch (set) {
    case kZeroFraction: return "(\".\" \"0\"{1,16})?";
    case kNonZeroFraction: return "\".\" \"0\"{0,15} [1-9] [0-9]{0,15}";
    default: return "(\".\" [0-9]{1,16})?";
  }
}

// Magnitudes m = I + 0.f >= 0 with lower <= m <= upper (bounds present or not).
void magnitude_alternatives(NumberBound lower, NumberBound upper, std::vector<std::string>& out) {
  if (lower.present && lower.value < 0) lower = NumberBound{};
  if (upper.present && (upper.value < 0 || (upper.value == 0 && upper.exclusive))) return;
  int64_t first = lower.present ? lower.value : 0;
  int64_t last = upper.present ? upper.value : std::max(kOpenIntegerBound, first);
  if (first > last) return;
  auto fractions_at = [&](int64_t i) {
    unsigned set = kAnyFraction;
    if (lower.present && i == lower.value && lower.exclusive) set &= kNonZeroFraction;
    if (upper.present && i == upper.value) set &= upper.exclusive ? kNoFraction : kZeroFraction;
    return set;
  };
  auto emit = [&](int64_t a, int64_t b, unsigned set) {
    if (a > b || set == kNoFraction) return;
    out.push_back(unsigned_range_gbnf(uint64_t(a), uint64_t(b)) + " " + fraction_gbnf(set));
  };
  // The ends may restrict the fraction; everything strictly between allows any.
  unsigned at_first = fractions_at(first);
  if (first == last) {
    emit(first, first, at_first);
    return;
  }
  unsigned at_last = fractions_at(last);
  int64_t inner_first = at_first == kAnyFraction ? first : first + 1;
  int64_t inner_last = at_last == kAnyFraction ? last : last - 1;
  if (inner_first != first) emit(first, first, at_first);
  emit(inner_first, inner_last, kAnyFraction);
  if (inner_last != last) emit(last, last, at_last);
}

}  // namespace

std::string number_range_gbnf(NumberBound lo, NumberBound hi) {
  std::vector<std::string> alts;
  magnitude_alternatives(lo, hi, alts);
  // x = -m < 0: lo <= x <= hi  <=>  -hi <= m <= -lo, and m > 0 ("-0" is left to the other side).
  NumberBound neg_lower{true, 0, true};
  if (hi.present && (-hi.value > 0 || (hi.value == 0 && hi.exclusive))) neg_lower = NumberBound{true, -hi.value, hi.exclusive};
  NumberBound neg_upper = lo.present ? NumberBound{true, -lo.value, lo.exclusive} : NumberBound{};
  std::vector<std::string> neg;
  magnitude_alternatives(neg_lower, neg_upper, neg);
  if (!neg.empty()) alts.push_back("\"-\" " + gbnf_group(neg));
  return alts.empty() ? "" : gbnf_group(alts);
}

}  // namespace herd::grammar
