// Usage queries from user words, and totals rendered as a table, CSV or JSON.
#include "gateway/usage_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "gateway/civil_date.h"

namespace herd::gateway {
namespace {

using Json = nlohmann::ordered_json;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Decimal digits to a non-negative number, refusing anything past `max`.
std::optional<int64_t> parse_count(std::string_view s, int64_t max) {
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  if (v > max) return std::nullopt;
  return v;
}

// "2026-12-01" or "2026-12-01T10:00:00Z" as unix seconds; nullopt when not a real instant.
std::optional<int64_t> parse_utc_date(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  auto field = [&](size_t at, size_t len, int* out) {
    if (at + len > text.size()) return false;
    std::optional<int64_t> v = parse_count(text.substr(at, len), 9999);
    if (!v || text.substr(at, len).size() != len) return false;
    *out = static_cast<int>(*v);
    return true;
  };
  if (!field(0, 4, &year) || text.size() < 10 || text[4] != '-' || !field(5, 2, &month) || text[7] != '-' ||
      !field(8, 2, &day)) {
    return std::nullopt;
  }
  if (text.size() != 10) {
    if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z' ||
        !field(11, 2, &hour) || !field(14, 2, &minute) || !field(17, 2, &second)) {
      return std::nullopt;
    }
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const CivilDate date{year, month, day};
  const int64_t days = days_from_civil(date);
  // 2026-02-30 would count on into March; such a date is refused rather than moved.
  const CivilDate back = civil_from_days(days);
  if (back.year != date.year || back.month != date.month || back.day != date.day) return std::nullopt;
  return days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
}

std::string group_by_name(UsageQuery::GroupBy g) {
  switch (g) {
    case UsageQuery::GroupBy::kKey: return "key";
    case UsageQuery::GroupBy::kModel: return "model";
    case UsageQuery::GroupBy::kDay: return "day";
    case UsageQuery::GroupBy::kHour: return "hour";
    case UsageQuery::GroupBy::kNone: break;
  }
  return "";
}

std::string group_label(const UsageTotals& row, UsageQuery::GroupBy g, const std::map<int64_t, std::string>& names) {
  if (g != UsageQuery::GroupBy::kKey) return row.group;
  std::optional<int64_t> id = parse_count(row.group, std::numeric_limits<int64_t>::max());
  if (!id) return row.group;
  auto it = names.find(*id);
  return it == names.end() ? row.group : it->second;
}

UsageTotals sum_of(const std::vector<UsageTotals>& rows) {
  UsageTotals total;
  total.group = "TOTAL";
  for (const UsageTotals& r : rows) {
    total.requests += r.requests;
    total.tokens.prompt += r.tokens.prompt;
    total.tokens.cached_prompt += r.tokens.cached_prompt;
    total.tokens.completion += r.tokens.completion;
    total.cost += r.cost;
  }
  return total;
}

std::vector<std::string> cells_of(const UsageTotals& r, const std::string& label) {
  return {label,
          std::to_string(r.requests),
          std::to_string(r.tokens.prompt),
          std::to_string(r.tokens.cached_prompt),
          std::to_string(r.tokens.completion),
          format_amount(r.cost)};
}

const std::vector<std::string> kColumns = {"requests", "prompt_tokens", "cached_prompt_tokens", "completion_tokens",
                                           "cost"};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string render_csv(const std::vector<std::vector<std::string>>& lines) {
  std::string out;
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) out += (i ? "," : "") + csv_field(line[i]);
    out += "\r\n";
  }
  return out;
}

Json totals_json(const UsageTotals& r) {
  return {{"requests", r.requests},
          {"prompt_tokens", r.tokens.prompt},
          {"cached_prompt_tokens", r.tokens.cached_prompt},
          {"completion_tokens", r.tokens.completion},
          {"cost", format_amount(r.cost)},
          {"cost_micros", r.cost}};
}

}  // namespace

std::string render_text_table(const std::vector<std::vector<std::string>>& lines) {
  std::vector<size_t> width;
  std::vector<bool> numeric;
  for (size_t row = 0; row < lines.size(); ++row) {
    const auto& line = lines[row];
    width.resize(std::max(width.size(), line.size()), 0);
    numeric.resize(width.size(), true);
    for (size_t i = 0; i < line.size(); ++i) {
      width[i] = std::max(width[i], line[i].size());
      // The first row is the header; "-" stands for an empty number.
      if (row > 0 && (line[i].empty() || line[i].find_first_not_of("0123456789.-") != std::string::npos)) {
        numeric[i] = false;
      }
    }
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      const std::string pad(width[i] - line[i].size(), ' ');
      text += (i ? "  " : "") + (numeric[i] ? pad + line[i] : line[i] + pad);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

std::optional<UsageFormat> parse_usage_format(std::string_view text) {
  if (text == "table") return UsageFormat::kTable;
  if (text == "csv") return UsageFormat::kCsv;
  if (text == "json") return UsageFormat::kJson;
  return std::nullopt;
}

std::optional<UsageQuery::GroupBy> parse_group_by(std::string_view text) {
  for (UsageQuery::GroupBy g : {UsageQuery::GroupBy::kKey, UsageQuery::GroupBy::kModel, UsageQuery::GroupBy::kDay,
                                UsageQuery::GroupBy::kHour}) {
    if (text == group_by_name(g)) return g;
  }
  return std::nullopt;
}

Result<int64_t> parse_duration_s(std::string_view text) {
  constexpr int64_t kMaxSeconds = int64_t{200} * 366 * 86400;  // two centuries is plenty
  if (text.size() >= 2) {
    int64_t unit = 0;
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: break;
    }
    std::optional<int64_t> n = parse_count(text.substr(0, text.size() - 1), kMaxSeconds);
    if (unit != 0 && n && *n <= kMaxSeconds / unit) return *n * unit;
  }
  return invalid_argument("\"" + std::string(text.substr(0, 32)) +
                          "\" is not a duration (a count and a unit: 3600s, 30m, 12h, 90d)");
}

Result<int64_t> parse_time_point(std::string_view text, int64_t now_us) {
  constexpr int64_t kMaxUnixSeconds = int64_t{253402300799};  // 9999-12-31T23:59:59Z
  if (std::optional<int64_t> s = parse_count(text, kMaxUnixSeconds)) return *s * 1'000'000;
  if (std::optional<int64_t> s = parse_utc_date(text)) return *s * 1'000'000;
  if (Result<int64_t> ago = parse_duration_s(text); ago.ok()) return now_us - *ago * 1'000'000;
  return invalid_argument("\"" + std::string(text.substr(0, 32)) +
                          "\" is not a time (2026-12-01, 2026-12-01T10:00:00Z, unix seconds, or ago: 90m, 12h, 7d)");
}

std::string render_usage(const std::vector<UsageTotals>& rows, UsageQuery::GroupBy group_by, UsageFormat format,
                         const std::map<int64_t, std::string>& key_names) {
  const UsageTotals total = sum_of(rows);
  const bool grouped = group_by != UsageQuery::GroupBy::kNone;
  if (format == UsageFormat::kJson) {
    Json data = Json::array();
    if (grouped) {
      for (const UsageTotals& r : rows) {
        Json item = {{"group", group_label(r, group_by, key_names)}};
        item.update(totals_json(r));
        data.push_back(std::move(item));
      }
    }
    Json out = {{"object", "usage"}, {"group_by", grouped ? Json(group_by_name(group_by)) : Json(nullptr)}};
    out["data"] = std::move(data);
    out["total"] = totals_json(total);
    // A ledger row's model is what the server recorded; invalid UTF-8 there is replaced, not thrown on.
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  }
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header = {grouped ? group_by_name(group_by) : std::string("group")};
  header.insert(header.end(), kColumns.begin(), kColumns.end());
  if (format == UsageFormat::kTable) {
    for (std::string& h : header) {
      for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  lines.push_back(header);
  if (grouped) {
    for (const UsageTotals& r : rows) lines.push_back(cells_of(r, group_label(r, group_by, key_names)));
  }
  // CSV stays pure data (a total row would be summed twice by a spreadsheet); the table ends with one.
  if (format == UsageFormat::kTable || !grouped) lines.push_back(cells_of(total, grouped ? "TOTAL" : "all"));
  return format == UsageFormat::kCsv ? render_csv(lines) : render_text_table(lines);
}

}  // namespace herd::gateway
