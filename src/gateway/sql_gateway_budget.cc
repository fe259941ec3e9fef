// SqlGatewayDb: reservations, settling, spend and holders.
#include "gateway/civil_date.h"
#include "gateway/sql_gateway_db.h"
#include "gateway/sql_values.h"

namespace herd::gateway {

Result<SqlGatewayDb::BudgetCheck> SqlGatewayDb::reserve_in(SqlConnection& c, Reservation r, Micros budget,
                                                           const std::string& holder) {
  const std::string lock_sql =
      std::string("SELECT spent FROM key_spend WHERE key_id = $1 AND period_start = $2") + row_lock();
  // The spend row exists from here on, so every reservation of this key and period (and
  // every settle) queues on its lock.
  HERD_RETURN_IF_ERROR(c.run("INSERT INTO key_spend (key_id, period_start, spent) VALUES ($1, $2, 0)"
                             " ON CONFLICT (key_id, period_start) DO NOTHING",
                             {r.key_id, r.period_start}).status());
  HERD_ASSIGN_OR_RETURN(SqlRows spent, c.run(lock_sql, {r.key_id, r.period_start}));
  HERD_ASSIGN_OR_RETURN(SqlRows held, c.run("SELECT SUM(amount) FROM reservations WHERE key_id = $1 AND period_start = $2",
                                             {r.key_id, r.period_start}));
  BudgetCheck out;
  // Every term is >= 0, so the subtractions cannot overflow where the sum could.
  out.spent = spent.empty() ? 0 : spent[0].integer(0);
  const Micros held_now = held.empty() ? 0 : held[0].integer(0);
  const bool fits = r.amount <= budget && held_now <= budget - r.amount && out.spent <= budget - r.amount - held_now;
  if (!fits) return out;
  HERD_ASSIGN_OR_RETURN(SqlRows ids, c.run("INSERT INTO reservations (holder, key_id, period_start, amount)"
                                            " VALUES ($1, $2, $3, $4) RETURNING id",
                                            {holder, r.key_id, r.period_start, r.amount}));
  if (ids.empty()) return internal_error("inserting a reservation returned no id");
  r.id = ids[0].integer(0);
  out.held = r;
  return out;
}

Result<std::optional<Reservation>> SqlGatewayDb::reserve(Reservation r, Micros budget, const std::string& holder) {
  if (r.amount < 0 || budget < 0) return invalid_argument("a reservation and a budget cannot be negative");
  HERD_RETURN_IF_ERROR(validate_text(holder, "a holder name", false));
  std::optional<Reservation> out;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(BudgetCheck check, reserve_in(c, r, budget, holder));
    out = check.held;
    return Status();
  }));
  return out;
}

Result<bool> SqlGatewayDb::settle_in(SqlConnection& c, const Reservation& r, const LedgerRow& row) {
  int64_t period = r.period_start;
  if (r.id != 0) {
    HERD_RETURN_IF_ERROR(c.run("DELETE FROM reservations WHERE id = $1", {r.id}).status());
  } else {
    // No reservation: the key's own budget period holding the row's time.
    HERD_ASSIGN_OR_RETURN(SqlRows key, c.run("SELECT period FROM keys WHERE id = $1", {row.key_id}));
    const BudgetPeriod p = key.empty() ? BudgetPeriod::kNone
                                       : parse_budget_period(key[0].text(0)).value_or(BudgetPeriod::kNone);
    period = period_start(p, floor_div(row.time, 1'000'000));
  }
  const std::string insert = std::string("INSERT INTO ledger (") + kLedgerColumns +
                             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                             " ON CONFLICT (key_id, idempotency_key) DO NOTHING RETURNING id";
  HERD_ASSIGN_OR_RETURN(SqlRows written, c.run(insert, ledger_row_params(row)));
  if (written.empty()) return false;  // this idempotency key was billed already
  HERD_RETURN_IF_ERROR(c.run("INSERT INTO key_spend (key_id, period_start, spent) VALUES ($1, $2, $3)"
                             " ON CONFLICT (key_id, period_start) DO UPDATE SET spent = key_spend.spent + excluded.spent",
                             {row.key_id, period, row.cost}).status());
  HERD_RETURN_IF_ERROR(c.run("INSERT INTO usage_hourly (key_id, model, hour, requests, prompt, cached, completion, cost)"
                             " VALUES ($1, $2, $3, 1, $4, $5, $6, $7) ON CONFLICT (key_id, model, hour) DO UPDATE SET"
                             " requests = usage_hourly.requests + 1, prompt = usage_hourly.prompt + excluded.prompt,"
                             " cached = usage_hourly.cached + excluded.cached,"
                             " completion = usage_hourly.completion + excluded.completion,"
                             " cost = usage_hourly.cost + excluded.cost",
                             {row.key_id, row.model, floor_div(row.time, kMicrosPerHour), row.tokens.prompt,
                              row.tokens.cached_prompt, row.tokens.completion, row.cost}).status());
  return true;
}

Result<bool> SqlGatewayDb::settle(const Reservation& r, const LedgerRow& row, const RateCorrection& rate) {
  HERD_RETURN_IF_ERROR(validate_ledger_row(row));
  bool written = false;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(written, settle_in(c, r, row));
    // The estimate was counted whether or not this row is billed (a repeated idempotency
    // key still ran), so the correction applies either way. Last: the lock order of
    // admit() (key, spend, window).
    return correct_rate_in(c, row.key_id, floor_div(row.time, 1'000'000), rate);
  }));
  return written;
}

Result<int64_t> SqlGatewayDb::settle_many(const std::vector<std::pair<Reservation, LedgerRow>>& rows) {
  for (const auto& [r, row] : rows) HERD_RETURN_IF_ERROR(validate_ledger_row(row));
  int64_t written = 0;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    written = 0;
    for (const auto& [r, row] : rows) {
      HERD_ASSIGN_OR_RETURN(bool one, settle_in(c, r, row));
      written += one ? 1 : 0;
    }
    return Status();
  }));
  return written;
}

Status SqlGatewayDb::release(const Reservation& r) {
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    return c.run("DELETE FROM reservations WHERE id = $1", {r.id}).status();
  });
}

Result<Micros> SqlGatewayDb::spent(int64_t key_id, int64_t period_start) {
  Micros out = 0;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run("SELECT spent FROM key_spend WHERE key_id = $1 AND period_start = $2",
                                               {key_id, period_start}));
    out = rows.empty() ? 0 : rows[0].integer(0);
    return Status();
  }));
  return out;
}

Status SqlGatewayDb::drop_reservations(const std::string& holder) {
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    return c.run("DELETE FROM reservations WHERE holder = $1", {holder}).status();
  });
}

Status SqlGatewayDb::heartbeat(const std::string& holder, int64_t unix_s, int64_t stale_after_s) {
  HERD_RETURN_IF_ERROR(validate_text(holder, "a holder name", false));
  if (stale_after_s < 0) return invalid_argument("stale_after_s cannot be negative");
  const int64_t stale_before = unix_s - stale_after_s;
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_RETURN_IF_ERROR(c.run("INSERT INTO holders (name, last_seen) VALUES ($1, $2)"
                               " ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen",
                               {holder, unix_s}).status());
    HERD_RETURN_IF_ERROR(c.run("DELETE FROM reservations WHERE holder IN"
                               " (SELECT name FROM holders WHERE last_seen < $1)", {stale_before}).status());
    HERD_RETURN_IF_ERROR(c.run("DELETE FROM holders WHERE last_seen < $1", {stale_before}).status());
    return c.run("DELETE FROM rate_seconds WHERE second < $1", {unix_s - kRateRowsKeptS}).status();
  });
}

}  // namespace herd::gateway
