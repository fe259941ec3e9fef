// SqlGatewayDb: usage reports, raw ledger rows and retention.
#include <algorithm>
#include <map>

#include "gateway/civil_date.h"
#include "gateway/sql_gateway_db.h"
#include "gateway/sql_values.h"

namespace herd::gateway {
namespace {

using GroupBy = UsageQuery::GroupBy;
constexpr int64_t kMicrosPerDay = kMicrosPerHour * 24;

// The WHERE clause of a query's key and model filters over [from, to) of `time_column`,
// with its parameters ($1...).
struct Filter {
  std::string where;
  std::vector<SqlValue> params;
};

Filter make_filter(const UsageQuery& q, const char* time_column, int64_t from, int64_t to) {
  Filter f;
  f.where = std::string(" WHERE ") + time_column + " >= $1 AND " + time_column + " < $2";
  f.params = {from, to};
  if (q.key_id) {
    f.params.push_back(*q.key_id);
    f.where += " AND key_id = $" + std::to_string(f.params.size());
  }
  if (q.model) {
    f.params.push_back(*q.model);
    f.where += " AND model = $" + std::to_string(f.params.size());
  }
  return f;
}

// What a group is keyed by in SQL, for the roll-up (hour numbers) and the raw ledger.
std::string group_expression(GroupBy g, bool rollup) {
  switch (g) {
    case GroupBy::kKey: return "key_id";
    case GroupBy::kModel: return "model";
    case GroupBy::kDay: return rollup ? "hour / 24" : "time_us / " + std::to_string(kMicrosPerDay);
    case GroupBy::kHour: return rollup ? "hour" : "time_us / " + std::to_string(kMicrosPerHour);
    case GroupBy::kNone: break;
  }
  return "0";
}

// Groups ordered as reports list them: key ids and times by number, models by name.
using GroupKey = std::pair<int64_t, std::string>;

GroupKey group_key(GroupBy g, const SqlRow& row) {
  if (g == GroupBy::kModel) return {0, row.text(0)};
  return {row.integer(0), ""};
}

std::string group_label(GroupBy g, const GroupKey& k) {
  switch (g) {
    case GroupBy::kKey: return std::to_string(k.first);
    case GroupBy::kModel: return k.second;
    case GroupBy::kDay: return format_day(k.first);
    case GroupBy::kHour: return format_hour(k.first);
    case GroupBy::kNone: break;
  }
  return "";
}

// Adds the rows of one grouped query (group, requests, prompt, cached, completion, cost).
Status add_groups(SqlConnection& c, const std::string& sql, const std::vector<SqlValue>& params, GroupBy g,
                  std::map<GroupKey, UsageTotals>& totals) {
  HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run(sql, params));
  for (const SqlRow& row : rows) {
    if (row.integer(1) == 0) continue;  // an aggregate over no rows
    UsageTotals& t = totals[group_key(g, row)];
    t.requests += row.integer(1);
    t.tokens.prompt += row.integer(2);
    t.tokens.cached_prompt += row.integer(3);
    t.tokens.completion += row.integer(4);
    t.cost += row.integer(5);
  }
  return Status();
}

}  // namespace

Result<std::vector<UsageTotals>> SqlGatewayDb::usage(const UsageQuery& q) {
  const int64_t since = std::max<int64_t>(q.since_us, 0);
  const int64_t until = q.until_us;
  std::map<GroupKey, UsageTotals> totals;
  if (since < until) {
    // Whole hours [first_hour, end_hour) come from the roll-up; the partial hours at
    // either end from the ledger, so no row is counted twice or missed.
    const int64_t first_hour = since / kMicrosPerHour + (since % kMicrosPerHour != 0 ? 1 : 0);
    const int64_t end_hour = until / kMicrosPerHour;
    const std::string group = group_expression(q.group_by, false);
    const std::string rollup_group = group_expression(q.group_by, true);
    const char* const kGroupBy = q.group_by == GroupBy::kNone ? "" : " GROUP BY 1";
    auto ledger_part = [&](SqlConnection& c, int64_t from, int64_t to) -> Status {
      if (from >= to) return Status();
      Filter f = make_filter(q, "time_us", from, to);
      return add_groups(c, "SELECT " + group + ", COUNT(*), SUM(prompt), SUM(cached), SUM(completion), SUM(cost)"
                           " FROM ledger" + f.where + kGroupBy, f.params, q.group_by, totals);
    };
    HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
      totals.clear();
      if (first_hour >= end_hour) return ledger_part(c, since, until);
      HERD_RETURN_IF_ERROR(ledger_part(c, since, first_hour * kMicrosPerHour));
      Filter f = make_filter(q, "hour", first_hour, end_hour);
      HERD_RETURN_IF_ERROR(add_groups(c, "SELECT " + rollup_group + ", SUM(requests), SUM(prompt), SUM(cached),"
                                          " SUM(completion), SUM(cost) FROM usage_hourly" + f.where + kGroupBy,
                                      f.params, q.group_by, totals));
      return ledger_part(c, end_hour * kMicrosPerHour, until);
    }));
  }
  // An ungrouped report is one line, zero when nothing was used.
  if (q.group_by == GroupBy::kNone && totals.empty()) totals[GroupKey{}] = UsageTotals{};
  std::vector<UsageTotals> out;
  out.reserve(totals.size());
  for (auto& [key, t] : totals) {
    t.group = group_label(q.group_by, key);
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<LedgerRow>> SqlGatewayDb::ledger_rows(const UsageQuery& q, int64_t limit) {
  if (limit <= 0 || limit > kMaxLedgerRowsPerCall) return invalid_argument("a ledger page holds 1 to 100000 rows");
  std::vector<LedgerRow> out;
  Filter f = make_filter(q, "time_us", std::max<int64_t>(q.since_us, 0), q.until_us);
  f.params.push_back(limit);
  const std::string sql = std::string("SELECT ") + kLedgerColumns + " FROM ledger" + f.where +
                          " ORDER BY time_us, id LIMIT $" + std::to_string(f.params.size());
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run(sql, f.params));
    out.clear();
    for (const SqlRow& row : rows) out.push_back(ledger_row_from_row(row));
    return Status();
  }));
  return out;
}

Result<int64_t> SqlGatewayDb::delete_usage_before(int64_t before_us, int64_t batch) {
  if (batch <= 0 || batch > kMaxLedgerRowsPerCall) return invalid_argument("a deletion batch holds 1 to 100000 rows");
  // Whole hours only: the roll-up of an hour must keep counting the same rows as the
  // ledger, so the cut-off moves back to the start of its hour.
  const int64_t cutoff_hour = floor_div(std::max<int64_t>(before_us, 0), kMicrosPerHour);
  int64_t deleted = 0;
  for (;;) {
    int64_t n = 0;
    HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
      HERD_ASSIGN_OR_RETURN(SqlRows gone, c.run("DELETE FROM ledger WHERE id IN (SELECT id FROM ledger"
                                                 " WHERE time_us < $1 ORDER BY time_us LIMIT $2) RETURNING id",
                                                 {cutoff_hour * kMicrosPerHour, batch}));
      n = static_cast<int64_t>(gone.size());
      return Status();
    }));
    deleted += n;
    if (n < batch) break;
  }
  // The roll-up a day of hours at a time (at most a day's keys x models rows each).
  for (;;) {
    bool more = false;
    HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
      HERD_ASSIGN_OR_RETURN(SqlRows oldest, c.run("SELECT MIN(hour) FROM usage_hourly"));
      if (oldest.empty() || oldest[0].is_null(0) || oldest[0].integer(0) >= cutoff_hour) return Status();
      const int64_t to = std::min(cutoff_hour, oldest[0].integer(0) + 24);
      HERD_RETURN_IF_ERROR(c.run("DELETE FROM usage_hourly WHERE hour < $1", {to}).status());
      more = to < cutoff_hour;
      return Status();
    }));
    if (!more) break;
  }
  return deleted;
}

}  // namespace herd::gateway
