// Usage reports for `herd usage` and GET /admin/usage: the query from user words, and the
// totals as a table, CSV or JSON.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"

namespace herd::gateway {

enum class UsageFormat { kTable, kCsv, kJson };
std::optional<UsageFormat> parse_usage_format(std::string_view text);
std::optional<UsageQuery::GroupBy> parse_group_by(std::string_view text);  // key|model|day|hour

// A point in time from a user: "2026-12-01", "2026-12-01T10:00:00Z" (UTC), a unix second
// count, or a time ago ("90m", "12h", "7d"). Returns unix microseconds.
Result<int64_t> parse_time_point(std::string_view text, int64_t now_us);
// "90d", "12h", "30m", "3600s" -> seconds; kInvalidArgument otherwise.
Result<int64_t> parse_duration_s(std::string_view text);

// Rows of cells as aligned text columns: a column of numbers (amounts included) is
// right-aligned, any other left-aligned; two spaces between columns, no trailing spaces.
std::string render_text_table(const std::vector<std::vector<std::string>>& lines);

// Table: aligned columns; CSV: RFC 4180 with a header row; JSON: {"object":"usage",
// "group_by":..., "data":[{"group","requests","prompt_tokens","cached_prompt_tokens",
// "completion_tokens","cost" (decimal text), "cost_micros"}], "total":{...}}.
// `key_names` turns key ids into names when grouping by key.
std::string render_usage(const std::vector<UsageTotals>& rows, UsageQuery::GroupBy group_by, UsageFormat format,
                         const std::map<int64_t, std::string>& key_names);

}  // namespace herd::gateway
