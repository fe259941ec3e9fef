// GatewayDb over any SqlDatabase: the SQL is written once, in the subset SQLite (3.35+)
// and PostgreSQL (12+) share (ON CONFLICT upserts, RETURNING, partial unique indexes);
// the few differences (id columns, row locks) come from the dialect.
//
// Budgets: reserve() locks the key's spend row for the period (PostgreSQL: SELECT ... FOR
// UPDATE; SQLite: the database write lock taken by BEGIN IMMEDIATE), then compares
// spent + held + amount with the budget, so concurrent reservations queue on the row.
// settle() updates the same row in its transaction, so a reservation never reads a
// half-settled request.
//
// Rate windows: admit() locks the key's row (PostgreSQL: FOR NO KEY UPDATE, which ledger
// inserts referencing the key do not wait for; SQLite: the write lock), so one key's
// admissions read and count its rate_seconds rows one at a time in every process.
#pragma once

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "gateway/gateway_db.h"
#include "gateway/sql_connection.h"

namespace herd::gateway {

// Rate window rows live this long (twice the window) before heartbeat() deletes them.
inline constexpr int64_t kRateRowsKeptS = 120;

class SqlGatewayDb : public GatewayDb {
 public:
  explicit SqlGatewayDb(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}

  Status migrate(const std::string& secret_check) override;
  int schema_version() override { return version_.load(); }

  Result<KeyRecord> create_key(KeyRecord key) override;
  Status update_key(const KeyRecord& key) override;
  Status revoke_key(int64_t id, int64_t unix_s) override;
  Result<std::vector<KeyRecord>> list_keys(bool include_revoked) override;
  Result<KeyRecord> find_key(int64_t id) override;
  Result<KeyRecord> find_key_by_name(const std::string& name) override;
  Result<std::optional<KeyRecord>> find_key_by_hash(const std::string& hash) override;
  Result<int64_t> change_counter() override;

  Status set_price(const std::string& model, const Price& price) override;
  Status delete_price(const std::string& model) override;
  Result<std::vector<std::pair<std::string, Price>>> list_prices() override;

  Result<std::optional<Reservation>> reserve(Reservation r, Micros budget, const std::string& holder) override;
  Result<AdmitOutcome> admit(const AdmitAsk& ask) override;
  using GatewayDb::settle;
  Result<bool> settle(const Reservation& r, const LedgerRow& row, const RateCorrection& rate) override;
  Status release(const Reservation& r) override;
  Result<Micros> spent(int64_t key_id, int64_t period_start) override;
  Status drop_reservations(const std::string& holder) override;
  Status heartbeat(const std::string& holder, int64_t unix_s, int64_t stale_after_s) override;

  Result<std::vector<UsageTotals>> usage(const UsageQuery& q) override;
  Result<std::vector<LedgerRow>> ledger_rows(const UsageQuery& q, int64_t limit) override;
  Result<int64_t> delete_usage_before(int64_t before_us, int64_t batch) override;

  // Bulk loading for benchmarks and tests: settles every pair in ONE transaction, writing
  // exactly what settle() would for each. Returns how many rows were written.
  Result<int64_t> settle_many(const std::vector<std::pair<Reservation, LedgerRow>>& rows);

  SqlDatabase& sql() { return *db_; }

 private:
  // The budget check and reservation, inside a transaction the caller holds: the
  // reservation with its id when it fits, and what the period has spent.
  struct BudgetCheck {
    std::optional<Reservation> held;
    Micros spent = 0;
  };
  Result<BudgetCheck> reserve_in(SqlConnection& c, Reservation r, Micros budget, const std::string& holder);
  // settle()'s writes, inside a transaction the caller holds.
  Result<bool> settle_in(SqlConnection& c, const Reservation& r, const LedgerRow& row);
  // settle()'s correction of the token window at second `rate.at_s`, seen at `now_s`.
  Status correct_rate_in(SqlConnection& c, int64_t key_id, int64_t now_s, const RateCorrection& rate);
  Status bump_change_counter(SqlConnection& c);
  const char* row_lock() const;  // " FOR UPDATE" where the dialect has row locks

  std::unique_ptr<SqlDatabase> db_;
  std::atomic<int> version_{0};
};

}  // namespace herd::gateway
