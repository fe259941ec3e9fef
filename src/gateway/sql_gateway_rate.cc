// SqlGatewayDb: admissions against the per-minute windows (table rate_seconds) and the
// budget, in one transaction per request.
#include <algorithm>

#include "gateway/rate_window.h"
#include "gateway/sql_gateway_db.h"
#include "gateway/sql_values.h"

namespace herd::gateway {
namespace {

WindowUse window_use(RateWindow& w, int64_t now_s) { return WindowUse{w.used(now_s), w.seconds_until_empty(now_s)}; }

}  // namespace

Result<AdmitOutcome> SqlGatewayDb::admit(const AdmitAsk& ask) {
  if (ask.rpm < 0 || ask.tpm < 0 || ask.need_tokens < 0 || ask.budget < 0 ||
      (ask.reservation && ask.reservation->amount < 0)) {
    return invalid_argument("limits, token counts, budgets and reservations cannot be negative");
  }
  if (ask.reservation) HERD_RETURN_IF_ERROR(validate_text(ask.holder, "a holder name", false));
  const bool counted = ask.rpm > 0 || ask.tpm > 0;
  const int64_t now_s = ask.now_s;
  AdmitOutcome out;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    out = AdmitOutcome{};
    RateWindow requests;
    RateWindow tokens;
    if (counted) {
      // SQLite's BEGIN IMMEDIATE holds the database's write lock already; PostgreSQL
      // queues this key's admissions on its row (ledger inserts, which only share-lock it
      // through their foreign key, do not wait). A statement of its own: a SELECT that
      // waits for a lock reads the other tables as they were before it waited.
      if (db_->dialect() == SqlDialect::kPostgres) {
        HERD_RETURN_IF_ERROR(c.run("SELECT id FROM keys WHERE id = $1 FOR NO KEY UPDATE", {ask.key_id}).status());
      }
      // Seconds a replica whose clock runs ahead counted still limit (as the newest), but
      // at most a minute of them: the read stays bounded however far off a clock is.
      HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run("SELECT second, requests, tokens FROM rate_seconds"
                                                 " WHERE key_id = $1 AND second > $2 AND second <= $3 ORDER BY second",
                                                 {ask.key_id, now_s - RateWindow::kSeconds, now_s + RateWindow::kSeconds}));
      for (const SqlRow& row : rows) {
        requests.add(row.integer(0), row.integer(1));
        tokens.add(row.integer(0), row.integer(2));
      }
      if (ask.rpm > 0 && requests.used(now_s) + 1 > ask.rpm) {
        out.verdict = AdmitOutcome::Verdict::kRequestsLimited;
        out.retry_after_s = std::max<int64_t>(1, requests.seconds_until_fits(now_s, 1, ask.rpm));
        out.requests = window_use(requests, now_s);
        return Status();
      }
      if (ask.tpm > 0 && tokens.used(now_s) + ask.need_tokens > ask.tpm) {
        out.verdict = AdmitOutcome::Verdict::kTokensLimited;
        out.retry_after_s = std::max<int64_t>(1, tokens.seconds_until_fits(now_s, ask.need_tokens, ask.tpm));
        out.tokens = window_use(tokens, now_s);
        return Status();
      }
    }
    if (ask.reservation) {
      HERD_ASSIGN_OR_RETURN(BudgetCheck check, reserve_in(c, *ask.reservation, ask.budget, ask.holder));
      if (!check.held) {
        out.verdict = AdmitOutcome::Verdict::kOverBudget;
        out.spent = check.spent;
        return Status();
      }
      out.reservation = *check.held;
    }
    if (counted) {
      HERD_RETURN_IF_ERROR(c.run("INSERT INTO rate_seconds (key_id, second, requests, tokens) VALUES ($1, $2, 1, $3)"
                                 " ON CONFLICT (key_id, second) DO UPDATE SET requests = rate_seconds.requests + 1,"
                                 " tokens = rate_seconds.tokens + excluded.tokens",
                                 {ask.key_id, now_s, ask.need_tokens}).status());
      requests.add(now_s, 1);
      tokens.add(now_s, ask.need_tokens);
      out.requests = window_use(requests, now_s);
      out.tokens = window_use(tokens, now_s);
    }
    return Status();
  }));
  return out;
}

Status SqlGatewayDb::correct_rate_in(SqlConnection& c, int64_t key_id, int64_t now_s, const RateCorrection& rate) {
  if (rate.tokens == 0 || now_s - rate.at_s >= RateWindow::kSeconds) return Status();
  return c.run("UPDATE rate_seconds SET tokens = CASE WHEN tokens + $3 < 0 THEN 0 ELSE tokens + $3 END"
               " WHERE key_id = $1 AND second = $2",
               {key_id, rate.at_s, rate.tokens}).status();
}

}  // namespace herd::gateway
