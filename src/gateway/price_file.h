// Prices from a JSON file, for `herd prices load FILE` and `herd serve --prices FILE`:
//   {"MODEL": {"input": "0.15", "cached_input": "0.075", "output": "0.6"}, ...}
// Amounts per 1M tokens as decimal text (never floats); "cached_input" may be left out
// and then costs what "input" does. Strict: unknown fields and wrong types are refused.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"

namespace herd::gateway {

inline constexpr size_t kMaxPriceFileBytes = 1 << 20;

using PriceList = std::vector<std::pair<std::string, Price>>;

// One price from its three amounts as a user writes them (cached_input empty: = input).
Result<Price> price_from_text(std::string_view input, std::string_view cached_input, std::string_view output);
Result<PriceList> parse_price_file(std::string_view text);
// Reads and parses `path` (a regular file of at most kMaxPriceFileBytes), then sets every
// price; nothing is set when any entry is bad.
Result<PriceList> load_price_file(GatewayDb& db, const std::string& path);

}  // namespace herd::gateway
