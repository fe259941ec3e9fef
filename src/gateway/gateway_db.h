// Where the gateway keeps its state: keys, prices, budget reservations and the usage
// ledger. Two backends with the same behaviour: SQLite (WAL, one file in $HERD_HOME, the
// default) and PostgreSQL (`postgres://...`), which several herd replicas share so that
// keys, budgets and the ledger are one. Every method is safe to call from many threads.
//
// Rows stay small: fixed columns, no JSON. The schema is versioned (table gateway_meta)
// and migrate() brings any older version forward in one transaction; a newer version than
// this binary knows is refused (kUnsupported) rather than touched.
//
// Durability: settle() returns only after its transaction committed. SQLite runs WAL with
// synchronous=NORMAL: a commit survives the process being killed (SIGKILL), the last
// commits may be lost to a power cut (use PostgreSQL where that matters). PostgreSQL is
// as durable as its cluster is configured.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gateway/money.h"

namespace herd::gateway {

enum class BudgetPeriod { kNone, kDay, kMonth };  // calendar periods in UTC
const char* budget_period_name(BudgetPeriod p);       // "none", "day", "month"
std::optional<BudgetPeriod> parse_budget_period(std::string_view text);
// The unix second at which the period holding `unix_s` began (0 for kNone).
int64_t period_start(BudgetPeriod p, int64_t unix_s);

struct KeyLimits {
  int64_t rpm = 0;              // requests per minute; 0: no limit
  int64_t tpm = 0;              // tokens per minute (input + output); 0: no limit
  Micros budget = 0;            // per period; used only when period != kNone
  BudgetPeriod period = BudgetPeriod::kNone;
  std::vector<std::string> models;  // the models it may use; empty: all
};

struct KeyRecord {
  int64_t id = 0;               // assigned by create_key
  std::string name;             // unique among keys that are not revoked; [A-Za-z0-9._-]{1,64}
  std::string display_prefix;   // "herd_Ab3xQ9"
  std::string hash;             // KeyHasher::hash of the key (never the key itself)
  bool admin = false;           // may call /admin/*
  KeyLimits limits;
  int64_t created_at = 0;       // unix seconds
  int64_t revoked_at = 0;       // 0: active
};

// A key's name as given by a user: kInvalidArgument unless [A-Za-z0-9._-]{1,64}.
Status validate_key_name(std::string_view name);

// One request's end, as billed.
struct LedgerRow {
  int64_t time = 0;             // unix microseconds when the request ended
  std::string request_id;       // the x-request-id (not unique: clients may choose it)
  int64_t key_id = 0;
  std::string model;
  std::string adapter;          // "" for none
  std::string route;            // "/v1/chat/completions", ...
  TokenCounts tokens;
  Micros cost = 0;
  int64_t ttft_us = -1;         // -1: no token came
  int64_t duration_us = 0;
  int32_t status = 0;           // the HTTP status the client got (499: it left)
  std::string idempotency_key;  // "": none; else billed once per (key_id, idempotency_key)
};

// A budget held for a request in flight: its worst-case cost, until settle() or release().
struct Reservation {
  int64_t id = 0;               // assigned by reserve()
  int64_t key_id = 0;
  int64_t period_start = 0;     // of the key's budget period when reserved
  Micros amount = 0;
};

// Per-minute limits live in the database (table rate_seconds: one row per key and second
// holding the requests and tokens counted then), so every replica sharing it counts one
// minute per key. An admission asks in one transaction: rate limits, then the budget.
struct AdmitAsk {
  int64_t key_id = 0;
  int64_t now_s = 0;                   // unix seconds
  int64_t need_tokens = 0;             // prompt + completion cap, counted against tpm
  int64_t rpm = 0;                     // 0: no limit
  int64_t tpm = 0;                     // 0: no limit
  std::optional<Reservation> reservation;  // when the key has a budget: key_id, period_start, amount
  Micros budget = 0;
  std::string holder;                  // who holds the reservation (a server process)
};

// One window's x-ratelimit-* numbers: used in the minute ending now, seconds until empty.
struct WindowUse {
  int64_t used = 0;
  int64_t reset_s = 0;
};

struct AdmitOutcome {
  enum class Verdict { kAdmitted, kRequestsLimited, kTokensLimited, kOverBudget } verdict = Verdict::kAdmitted;
  int64_t retry_after_s = 0;           // rate-limited: seconds until it would fit (>= 1)
  WindowUse requests;                  // after counting this request when admitted
  WindowUse tokens;
  Reservation reservation;             // admitted with a budget: the reservation held (id > 0)
  Micros spent = 0;                    // kOverBudget: spent in the period so far
};

// How settle() corrects the token window: the estimate counted at second `at_s` becomes the
// real use (`tokens` = real - estimated), while that second is still within the minute.
struct RateCorrection {
  int64_t at_s = 0;
  int64_t tokens = 0;                  // 0: nothing to correct
};

struct UsageQuery {
  std::optional<int64_t> key_id;
  std::optional<std::string> model;
  int64_t since_us = 0;         // rows with since_us <= time < until_us
  int64_t until_us = INT64_MAX;
  enum class GroupBy { kNone, kKey, kModel, kDay, kHour } group_by = GroupBy::kNone;
};

struct UsageTotals {
  std::string group;            // key id (decimal), model, "2026-12-07", "2026-12-07T13"; "" for kNone
  int64_t requests = 0;
  TokenCounts tokens;
  Micros cost = 0;
};

class GatewayDb {
 public:
  virtual ~GatewayDb() = default;

  // Creates or migrates the schema; records `secret_check` on first use and returns
  // kInvalidArgument when the database holds a different one (another secret), or when
  // `secret_check` is empty (or over 256 bytes).
  virtual Status migrate(const std::string& secret_check) = 0;
  virtual int schema_version() = 0;

  // Keys. create_key fills id and created_at (when 0); kInvalidArgument for a name an
  // active key has. update_key writes admin and limits; revoke_key sets revoked_at.
  // kNotFound for an unknown id. Revoking twice keeps the first time. Models a key may use
  // are 1..256 printable ASCII characters without ',' (at most 256 of them).
  virtual Result<KeyRecord> create_key(KeyRecord key) = 0;
  virtual Status update_key(const KeyRecord& key) = 0;
  virtual Status revoke_key(int64_t id, int64_t unix_s) = 0;
  virtual Result<std::vector<KeyRecord>> list_keys(bool include_revoked) = 0;
  // The key with this id, or the active key with this name; kNotFound otherwise.
  virtual Result<KeyRecord> find_key(int64_t id) = 0;
  virtual Result<KeyRecord> find_key_by_name(const std::string& name) = 0;
  virtual Result<std::optional<KeyRecord>> find_key_by_hash(const std::string& hash) = 0;
  // Grows whenever a key or price changes (in any process): caches reload when it moves.
  virtual Result<int64_t> change_counter() = 0;

  // Prices per model id; a model with no price costs nothing. delete_price: kNotFound when
  // the model has no price.
  virtual Status set_price(const std::string& model, const Price& price) = 0;
  virtual Status delete_price(const std::string& model) = 0;
  virtual Result<std::vector<std::pair<std::string, Price>>> list_prices() = 0;

  // Budgets. reserve() holds `r.amount` for `r.key_id` in period `r.period_start` only
  // if spent + every reservation held + r.amount <= budget, atomically across every
  // process that shares the database (so concurrent reservations never overspend);
  // returns the reservation with its id, or nullopt when it does not fit.
  virtual Result<std::optional<Reservation>> reserve(Reservation r, Micros budget, const std::string& holder) = 0;
  // A request's admission, atomically across every process sharing the database (the
  // key's admissions queue on its row): refuses when one more request or `need_tokens`
  // more tokens would pass rpm / tpm in the minute ending `now_s` (writing nothing), else
  // reserves the budget as reserve() does (refused: nothing written), else counts
  // (1, need_tokens) at `now_s`. With rpm and tpm 0 nothing is counted.
  // kInvalidArgument for negative limits, need_tokens or amount.
  virtual Result<AdmitOutcome> admit(const AdmitAsk& ask) = 0;
  // In one transaction: drops the reservation (if any; id 0 for none), appends the row
  // and adds its cost to the key's spend in the period the reservation was made in (the
  // row's own period when none). A row whose (key_id, idempotency_key) is billed already
  // is not written and adds nothing; returns whether the row was written.
  // kInvalidArgument for an unknown key or a row out of bounds: time before 1970, negative
  // counts or cost, cached > prompt, or a text field (request_id, model, adapter, route,
  // idempotency_key) over 256 bytes or not printable ASCII. The server must check the
  // client-given ones (x-request-id, Idempotency-Key) at admission, not at billing.
  // `rate` corrects the key's token window in the same transaction (never below 0; nothing
  // once `rate.at_s` is 60 s or more before the row's time).
  virtual Result<bool> settle(const Reservation& r, const LedgerRow& row, const RateCorrection& rate) = 0;
  Result<bool> settle(const Reservation& r, const LedgerRow& row) { return settle(r, row, RateCorrection{}); }
  // Drops a reservation without billing (a request refused before it ran).
  virtual Status release(const Reservation& r) = 0;
  // Spent in the period (ledger, not reservations).
  virtual Result<Micros> spent(int64_t key_id, int64_t period_start) = 0;
  // Drops every reservation held by `holder` (a process that starts again under the
  // same holder name, or one found dead) .
  virtual Status drop_reservations(const std::string& holder) = 0;
  // Records that `holder` is alive (now); drops reservations of holders silent for longer
  // than `stale_after_s`. Called every few seconds by every server, and once before its
  // first reserve(): a holder that never sent one is never found stale. Also deletes the
  // rate window rows older than two minutes before `unix_s`.
  virtual Status heartbeat(const std::string& holder, int64_t unix_s, int64_t stale_after_s) = 0;

  // Usage, from the ledger. Reports read an hourly roll-up kept in the same transaction
  // as each row (so a per-key monthly report reads hundreds of rows, not millions) and
  // the raw rows only for the partial hours at either end of the range. Groups come in
  // order (key ids and times by number, models by name); kNone gives exactly one line.
  virtual Result<std::vector<UsageTotals>> usage(const UsageQuery& q) = 0;
  // The rows themselves, by time; `limit` 1..100000 (the group_by is ignored).
  virtual Result<std::vector<LedgerRow>> ledger_rows(const UsageQuery& q, int64_t limit) = 0;
  // Retention: deletes rows (and whole roll-up hours) older than `before_us`, in batches
  // of `batch` rows, each its own short transaction so requests never wait long. Returns
  // how many rows were deleted. The cut-off moves back to the start of its hour (UTC), so
  // every roll-up hour keeps counting exactly the rows the ledger holds; `batch` 1..100000.
  virtual Result<int64_t> delete_usage_before(int64_t before_us, int64_t batch) = 0;
};

// "postgres://..." or "postgresql://..." (a libpq URI) opens PostgreSQL; anything else is
// a SQLite file path (its directory must exist). The connection text never appears in an
// error (it may hold a password). Call migrate() before anything else.
Result<std::unique_ptr<GatewayDb>> open_gateway_db(const std::string& where);

}  // namespace herd::gateway
