#include "grammar/integer_range_gbnf.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "grammar/gbnf_writer.h"

namespace herd::grammar {
namespace {

std::string any_digits(size_t n) {
  if (n == 0) return "";
  if (n == 1) return "[0-9]";
  return "[0-9]{" + std::to_string(n) + "}";
}

std::string digit_class(char first, char last) {
  if (first == last) return gbnf_literal(std::string(1, first));
  return std::string("[") + first + "-" + last + "]";
}

std::string join_seq(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

bool all_of_digit(std::string_view s, char d) {
  return std::all_of(s.begin(), s.end(), [d](char c) { return c == d; });
}

// Sequences (each a GBNF sequence, "" for the empty one) that together match the digit
// strings of length x.size() from x to y inclusive; x and y have the same length, x <= y.
void same_length_range(std::string_view x, std::string_view y, std::vector<std::string>& out,
                       const std::string& prefix) {
  size_t n = x.size();
  size_t common = 0;
  while (common < n && x[common] == y[common]) ++common;
  std::string head = common > 0 ? join_seq(prefix, gbnf_literal(x.substr(0, common))) : prefix;
  if (common == n) {
    out.push_back(head);
    return;
  }
  x = x.substr(common);
  y = y.substr(common);
  size_t rest = x.size() - 1;
  bool low_full = all_of_digit(x.substr(1), '0');   // x = d000: every tail under d is in range
  bool high_full = all_of_digit(y.substr(1), '9');  // y = d999
  char mid_first = low_full ? x[0] : char(x[0] + 1);
  char mid_last = high_full ? y[0] : char(y[0] - 1);
  if (!low_full) {
    same_length_range(x.substr(1), std::string(rest, '9'), out, join_seq(head, gbnf_literal(x.substr(0, 1))));
  }
  if (mid_first <= mid_last) out.push_back(join_seq(join_seq(head, digit_class(mid_first, mid_last)), any_digits(rest)));
  if (!high_full) {
    same_length_range(std::string(rest, '0'), y.substr(1), out, join_seq(head, gbnf_literal(y.substr(0, 1))));
  }
}

uint64_t pow10(size_t n) {
  uint64_t v = 1;
  for (size_t i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

std::string unsigned_range_gbnf(uint64_t lo, uint64_t hi) {
  std::vector<std::string> alts;
  size_t len_lo = std::to_string(lo).size();
  size_t len_hi = std::to_string(hi).size();
  for (size_t len = len_lo; len <= len_hi; ++len) {
    uint64_t first = len == 1 ? 0 : pow10(len - 1);
    // 10^len - 1 overflows for len == 20, where hi itself is the end.
    uint64_t last = len >= 20 ? UINT64_MAX : pow10(len) - 1;
    uint64_t a = std::max(lo, first);
    uint64_t b = std::min(hi, last);
    if (a <= b) same_length_range(std::to_string(a), std::to_string(b), alts, "");
  }
  return gbnf_group(alts);
}

std::string integer_range_gbnf(int64_t lo, int64_t hi) {
  std::vector<std::string> alts;
  if (hi >= 0) alts.push_back(unsigned_range_gbnf(uint64_t(std::max<int64_t>(lo, 0)), uint64_t(hi)));
  if (lo < 0) {
    // Magnitudes of the negative values: [max(1, -hi), -lo], in uint64 so INT64_MIN negates.
    uint64_t mag_lo = hi >= 0 ? 1 : uint64_t(0) - uint64_t(hi);
    uint64_t mag_hi = uint64_t(0) - uint64_t(lo);
    alts.push_back("\"-\" " + unsigned_range_gbnf(mag_lo, mag_hi));
  }
  return gbnf_group(alts);
}

}  // namespace herd::grammar
