#include "gateway/gateway_db.h"

#include "gateway/civil_date.h"
#include "gateway/postgres_gateway_db.h"
#include "gateway/sqlite_gateway_db.h"

namespace herd::gateway {

const char* budget_period_name(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::kDay: return "day";
    case BudgetPeriod::kMonth: return "month";
    case BudgetPeriod::kNone: break;
  }
  return "none";
}

std::optional<BudgetPeriod> parse_budget_period(std::string_view text) {
  if (text == "none") return BudgetPeriod::kNone;
  if (text == "day") return BudgetPeriod::kDay;
  if (text == "month") return BudgetPeriod::kMonth;
  return std::nullopt;
}

int64_t period_start(BudgetPeriod p, int64_t unix_s) {
  const int64_t days = floor_div(unix_s, kSecondsPerDay);
  switch (p) {
    case BudgetPeriod::kDay: return days * kSecondsPerDay;
    case BudgetPeriod::kMonth: {
      CivilDate first = civil_from_days(days);
      first.day = 1;
      return days_from_civil(first) * kSecondsPerDay;
    }
    case BudgetPeriod::kNone: break;
  }
  return 0;
}

Status validate_key_name(std::string_view name) {
  constexpr size_t kMaxName = 64;
  bool ok = !name.empty() && name.size() <= kMaxName;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == '_' || c == '-';
    ok = ok && allowed;
  }
  if (ok) return Status();
  return invalid_argument("a key name is 1 to 64 of the characters A-Z a-z 0-9 . _ -");
}

Result<std::unique_ptr<GatewayDb>> open_gateway_db(const std::string& where) {
  const std::string_view w(where);
  std::unique_ptr<SqlGatewayDb> db;
  if (w.starts_with("postgres://") || w.starts_with("postgresql://")) {
    HERD_ASSIGN_OR_RETURN(db, open_postgres_gateway_db(where));
  } else if (w.find("://") != std::string_view::npos) {
    // A mistyped URI is not a file name to create (nor to quote: it may hold a password).
    return invalid_argument("a gateway database is a file path or a postgres:// or postgresql:// URI");
  } else {
    HERD_ASSIGN_OR_RETURN(db, open_sqlite_gateway_db(where));
  }
  return std::unique_ptr<GatewayDb>(std::move(db));
}

}  // namespace herd::gateway
