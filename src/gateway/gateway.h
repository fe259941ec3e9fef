// The gateway as the server uses it: who is calling (a key), whether they may use a model,
// whether a request fits their limits and budget (reserved before it runs), and what it
// cost when it ends (one ledger row, committed before the client gets the last byte).
// It sees requests and usage, never tokens or tensors.
//
// Keys and prices are cached in memory and reloaded when the database's change counter
// moves: a background thread looks every reload_interval (changes made by `herd keys` or
// another replica show within that), and an unknown key makes it look at once (rate-limited).
// Rate windows and budgets live in the database (one transaction to admit, one to settle),
// so replicas that share one share each key's per-minute limits and never overspend together.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/key_hasher.h"

namespace herd::gateway {

struct GatewayParams {
  GatewayDb* db = nullptr;  // not owned; migrated
  KeyHasher hasher;
  std::string holder;        // this process's name for its reservations ("host:port")
  // How often key and price changes made elsewhere (the CLI, another replica) are seen.
  std::chrono::milliseconds reload_interval{1000};
  int64_t heartbeat_every_s = 5;   // this holder is alive; stale holders' reservations go
  int64_t stale_after_s = 30;
  int64_t retention_s = 0;         // > 0: ledger rows older than this are deleted (hourly)
  std::function<int64_t()> now_us;  // unset: the system clock (tests move time by hand)
  std::function<void(std::string_view)> log;  // internal errors (never a key); unset: none
};

// A caller that presented a valid key.
struct Caller {
  int64_t key_id = 0;
  std::string name;
  bool admin = false;
};

// Why a request is refused, with what the client is told.
struct Refusal {
  enum class Kind {
    kInvalidKey,         // 401 invalid_api_key
    kModelNotAllowed,    // 403 model_not_allowed
    kNotAdmin,           // 403 admin_required
    kRateLimited,        // 429 rate_limit_exceeded
    kInsufficientQuota,  // 429 insufficient_quota
    kUnavailable,        // 503: the ledger cannot be reached (details logged)
  } kind = Kind::kInvalidKey;
  std::string message;   // never holds the key or its hash
  int64_t retry_after_s = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // x-ratelimit-* when limited
};

// What a request will at most use, known before it runs.
struct Estimate {
  std::string model;                  // the model id prices are set for
  int64_t prompt_tokens = 0;
  int64_t max_completion_tokens = 0;  // over every choice
};

class Gateway;

// A request admitted: its rate-window share and budget reservation, held until settle().
// The server fills row() as the request goes (request id, route, tokens, status...);
// destroying an unsettled Admission settles what the row says then (so a request that
// throws or whose client vanished is still billed for what it used).
class Admission {
 public:
  Admission() = default;
  Admission(Admission&& o) noexcept { *this = std::move(o); }
  Admission& operator=(Admission&& o) noexcept;
  ~Admission();

  LedgerRow& row() { return row_; }
  // The x-ratelimit-* headers for the response (empty for a key without limits).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // Bills the request: the rate window takes the real tokens, the reservation becomes the
  // real cost, the ledger row is committed. Only the first call bills; a failed commit is
  // returned (and logged) — the caller still answers its client.
  Status settle();
  bool pending() const { return gateway_ != nullptr; }

 private:
  friend class Gateway;
  Gateway* gateway_ = nullptr;
  int64_t admitted_s_ = 0;
  bool rate_counted_ = false;   // the key's windows counted it (the key has rpm or tpm)
  int64_t counted_tokens_ = 0;  // the estimate counted in the token window
  Reservation reservation_;
  LedgerRow row_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

class Gateway {
 public:
  // Loads keys and prices, drops reservations a former run of `holder` left, and starts
  // the reload / heartbeat / retention thread.
  static Result<std::unique_ptr<Gateway>> create(GatewayParams params);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The Authorization (Bearer) or x-api-key value; nullopt when neither was sent.
  std::variant<Caller, Refusal> authenticate(std::optional<std::string_view> presented);
  // Whether the caller may use a model known by these names (its id and aliases).
  bool may_use(const Caller& caller, std::span<const std::string> names) const;
  // The refusal for a model the caller may not use.
  static Refusal model_not_allowed(std::string_view model);
  // Rate limits, then the budget: reserves the worst case (prompt + max completion,
  // priced as uncached input and output). Refused: nothing is held.
  std::variant<Admission, Refusal> admit(const Caller& caller, const Estimate& estimate);

  // Reloads keys and prices now (the admin routes call this after a change).
  Status reload();
  // Whether any active key exists (herd serve --auth refuses to start without one).
  bool has_active_key() const;
  Price price(const std::string& model) const;  // zero for a model with no price

  int64_t now_us() const;
  GatewayDb& db() { return *params_.db; }
  const KeyHasher& hasher() const { return params_.hasher; }

 private:
  explicit Gateway(GatewayParams params);
  friend class Admission;
  struct KeyState;

  Status settle(Admission& a);
  std::shared_ptr<KeyState> key_state(int64_t id) const;
  void reload_if_changed();
  void background_loop();
  void log(std::string_view line) const;

  GatewayParams params_;
  mutable std::shared_mutex mu_;  // guards keys_, by_hash_, prices_
  std::unordered_map<int64_t, std::shared_ptr<KeyState>> keys_;
  std::unordered_map<std::string, int64_t> by_hash_;
  std::unordered_map<std::string, Price> prices_;
  std::mutex reload_mu_;          // one reload at a time
  int64_t seen_counter_ = -1;     // guarded by reload_mu_
  std::mutex miss_mu_;  // one look for new keys at a time
  std::chrono::steady_clock::time_point last_miss_check_{};  // guarded by miss_mu_

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread background_;
};

}  // namespace herd::gateway
