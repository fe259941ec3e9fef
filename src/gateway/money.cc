// Exact decimal amounts and per-request costs in integer micros.
#include "gateway/money.h"

#include <limits>

namespace herd::gateway {
namespace {

constexpr int kDecimals = 6;

Status bad_amount(std::string_view what, std::string_view why) {
  return invalid_argument(std::string(what) + ": " + std::string(why) +
                          " (an amount like 12 or 0.15, at most 6 decimals)");
}

}  // namespace

Result<Micros> parse_amount(std::string_view text, std::string_view what) {
  if (text.empty()) return bad_amount(what, "empty amount");
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty()) return bad_amount(what, "no digits before the decimal point");
  if (dot != std::string_view::npos && frac.empty()) return bad_amount(what, "no digits after the decimal point");
  if (frac.size() > kDecimals) return bad_amount(what, "more than 6 decimals");
  // Every digit is checked before any arithmetic, so the sum below never sees a non-digit.
  for (std::string_view part : {whole, frac}) {
    for (char c : part) {
      if (c < '0' || c > '9') return bad_amount(what, "not a decimal number");
    }
  }
  constexpr Micros kMaxWhole = kMaxAmountMicros / kMicrosPerUnit;
  Micros units = 0;
  for (char c : whole) {
    units = units * 10 + (c - '0');
    if (units > kMaxWhole) return bad_amount(what, "larger than 1000000000000");
  }
  Micros fraction = 0;
  for (int i = 0; i < kDecimals; ++i) {
    fraction = fraction * 10 + (static_cast<size_t>(i) < frac.size() ? frac[i] - '0' : 0);
  }
  const Micros total = units * kMicrosPerUnit + fraction;
  if (total > kMaxAmountMicros) return bad_amount(what, "larger than 1000000000000");
  return total;
}

std::string format_amount(Micros micros) {
  // Work on the magnitude as unsigned so INT64_MIN has one too.
  const bool negative = micros < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  std::string out = (negative ? "-" : "") + std::to_string(magnitude / kMicrosPerUnit);
  std::string frac = std::to_string(magnitude % kMicrosPerUnit);
  frac.insert(0, kDecimals - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  return out;
}

Micros cost_of(const TokenCounts& tokens, const Price& price) {
  __extension__ typedef __int128 Wide;  // GCC and Clang both have it; -Wpedantic is told so
  const int64_t cached = tokens.cached_prompt < 0 ? 0 : tokens.cached_prompt;
  const int64_t prompt = tokens.prompt < 0 ? 0 : tokens.prompt;
  const int64_t uncached = prompt > cached ? prompt - cached : 0;
  const int64_t billed_cached = prompt < cached ? prompt : cached;
  const int64_t completion = tokens.completion < 0 ? 0 : tokens.completion;
  // Each product is below 2^63 * 2^63 = 2^126, and their sum below 2^128 / 2: no overflow.
  const Wide numerator = Wide(uncached) * Wide(price.input < 0 ? 0 : price.input) +
                         Wide(billed_cached) * Wide(price.cached_input < 0 ? 0 : price.cached_input) +
                         Wide(completion) * Wide(price.output < 0 ? 0 : price.output);
  constexpr Wide kPerMillion = 1'000'000;
  const Wide cost = (numerator + kPerMillion - 1) / kPerMillion;
  constexpr Wide kMax = std::numeric_limits<Micros>::max();
  return cost > kMax ? std::numeric_limits<Micros>::max() : static_cast<Micros>(cost);
}

}  // namespace herd::gateway
