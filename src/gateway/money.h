// Money in integer micro-units (1 unit = 1,000,000 micros; the unit is whatever currency
// the prices are in). Never floats: amounts are parsed from decimal text exactly and costs
// are computed in 128-bit integers, rounded up to the next micro once per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::gateway {

using Micros = int64_t;
inline constexpr Micros kMicrosPerUnit = 1'000'000;
// The largest amount accepted from a user (a budget or a price per 1M tokens): 10^12 units.
inline constexpr Micros kMaxAmountMicros = 1'000'000'000'000'000'000;

// "12", "0.15", "1.000001" -> micros. At most 6 decimals, no sign, no exponent, no
// spaces; kInvalidArgument otherwise (the message names `what`, e.g. "--budget").
Result<Micros> parse_amount(std::string_view text, std::string_view what);
// 150000 -> "0.15", 12000000 -> "12", 1 -> "0.000001".
std::string format_amount(Micros micros);

// Prices per 1M tokens, in micros (so "0.15 per 1M tokens" is 150000).
struct Price {
  Micros input = 0;
  Micros cached_input = 0;
  Micros output = 0;
};

struct TokenCounts {
  int64_t prompt = 0;         // every prompt token, cached ones included
  int64_t cached_prompt = 0;  // of which the prefix cache supplied this many
  int64_t completion = 0;
};

// ceil(((prompt - cached) * input + cached * cached_input + completion * output) / 1e6).
// Saturates at INT64_MAX rather than overflowing (never reachable with accepted inputs).
Micros cost_of(const TokenCounts& tokens, const Price& price);

}  // namespace herd::gateway
