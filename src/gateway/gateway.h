// The gateway as the server uses it: who is calling (a key), whether they may use a model,
// whether a request fits their limits and budget (reserved before it runs), and what it
// cost when it ends (one ledger row, committed before the client gets the last byte).
// It sees requests and usage, never tokens or tensors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/key_hasher.h"
#include "gateway/rate_window.h"

namespace herd::gateway {

struct GatewayParams {
  GatewayDb* db = nullptr;  // not owned; migrated
  KeyHasher hasher;
  std::string holder;        // this process's name for its reservations ("host:pid:start")
  // How often key and price changes made elsewhere (the CLI, another replica) are seen.
  std::chrono::milliseconds reload_interval{1000};
  std::function<int64_t()> now_us;  // unset: the system clock (tests move time by hand)
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
    kInvalidKey,        // 401 invalid_api_key
    kModelNotAllowed,   // 403 model_not_allowed
    kNotAdmin,          // 403 admin_required
    kRateLimited,       // 429 rate_limit_exceeded
    kInsufficientQuota  // 429 insufficient_quota
  } kind;
  std::string message;   // never holds the key or its hash
  int retry_after_s = 0;
};

// The x-ratelimit-* headers of a key with limits.
struct RateHeaders {
  std::vector<std::pair<std::string, std::string>> headers;
};

// What a request will at most use, known before it runs.
struct Estimate {
  std::string model;
  int64_t prompt_tokens = 0;
  int64_t max_completion_tokens = 0;  // over every choice
};

// A request admitted: its rate-window share and budget reservation, held until settle().
// Destroying an unsettled Admission settles it as a failure with no tokens.
class Gateway;
class Admission {
 public:
  Admission() = default;
  Admission(Admission&& o) noexcept;
  Admission& operator=(Admission&& o) noexcept;
  ~Admission();

  // Bills the request: rate windows take the real tokens, the reservation becomes the
  // real cost, one ledger row is committed. Returns the row's commit status (the caller
  // still answers the client when it fails; the error is logged). Idempotent: only the
  // first call bills.
  Status settle(LedgerRow row);
  bool active() const { return gateway_ != nullptr; }
  const RateHeaders& headers() const { return headers_; }
  int64_t key_id() const { return key_id_; }

 private:
  friend class Gateway;
  Gateway* gateway_ = nullptr;
  int64_t key_id_ = 0;
  int64_t reserved_tokens_ = 0;
  Reservation reservation_;
  std::string model_;
  RateHeaders headers_;
};

class Gateway {
 public:
  // Loads keys and prices; drops reservations a former run of `holder` left.
  static Result<std::unique_ptr<Gateway>> create(GatewayParams params);
  ~Gateway();

  // The Authorization (Bearer) or x-api-key value; nullopt when neither was sent.
  Result<Caller, Refusal> authenticate(std::optional<std::string_view> presented);
  bool may_use(const Caller& caller, std::string_view model) const;
  // The models of `all` the caller may use, in order.
  std::vector<std::string> visible_models(const Caller& caller, const std::vector<std::string>& all) const;

  // Rate limits, then the budget: reserves the worst case (prompt + max completion,
  // priced as uncached input and output). Refused: nothing is held.
  Result<Admission, Refusal> admit(const Caller& caller, const Estimate& estimate);

  // Reload keys and prices now (the admin routes call this after a change).
  Status reload();
  // A ledger row for a request refused or failed before admission is not written: only
  // admitted requests are billed.

  int64_t now_us() const;
  GatewayDb& db() { return *params_.db; }
  const KeyHasher& hasher() const { return params_.hasher; }

 private:
  explicit Gateway(GatewayParams params);
  friend class Admission;
  Status settle(Admission& a, LedgerRow row);
  void maybe_reload();
  void heartbeat_loop();

  struct KeyState;
  GatewayParams params_;
  mutable std::shared_mutex mu_;  // guards keys_, by_hash_, prices_
  std::unordered_map<int64_t, std::shared_ptr<KeyState>> keys_;
  std::unordered_map<std::string, int64_t> by_hash_;
  std::unordered_map<std::string, Price> prices_;
  int64_t seen_counter_ = -1;
  std::atomic<int64_t> next_reload_us_{0};
  std::mutex reload_mu_;
  // heartbeat thread
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace herd::gateway
