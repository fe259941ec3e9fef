#include "gateway/gateway.h"

#include <algorithm>
#include <chrono>

#include "gateway/api_key.h"

namespace herd::gateway {

struct Gateway::KeyState {
  std::mutex mu;      // guards record
  KeyRecord record;   // replaced on reload (under mu)
};

namespace {

// How often an unknown (but well-shaped) key may make the gateway look for new keys.
constexpr std::chrono::milliseconds kMissCheckInterval{50};
constexpr int64_t kRetentionEveryS = 3600;

std::string seconds_text(int64_t s) { return std::to_string(s) + "s"; }

void add_limit_headers(std::vector<std::pair<std::string, std::string>>& out, const char* what, int64_t limit,
                       const WindowUse& use) {
  out.emplace_back(std::string("x-ratelimit-limit-") + what, std::to_string(limit));
  out.emplace_back(std::string("x-ratelimit-remaining-") + what, std::to_string(std::max<int64_t>(limit - use.used, 0)));
  out.emplace_back(std::string("x-ratelimit-reset-") + what, seconds_text(use.reset_s));
}

Refusal refusal(Refusal::Kind kind, std::string message, int64_t retry_after_s = 0) {
  Refusal r;
  r.kind = kind;
  r.message = std::move(message);
  r.retry_after_s = retry_after_s;
  return r;
}

}  // namespace

Admission& Admission::operator=(Admission&& o) noexcept {
  if (this == &o) return *this;
  if (gateway_ != nullptr) (void)settle();
  gateway_ = std::exchange(o.gateway_, nullptr);
  admitted_s_ = o.admitted_s_;
  rate_counted_ = o.rate_counted_;
  counted_tokens_ = o.counted_tokens_;
  reservation_ = o.reservation_;
  row_ = std::move(o.row_);
  headers_ = std::move(o.headers_);
  return *this;
}

Admission::~Admission() {
  if (gateway_ != nullptr) (void)settle();
}

Status Admission::settle() {
  Gateway* g = std::exchange(gateway_, nullptr);
  if (g == nullptr) return Status();
  return g->settle(*this);
}

Gateway::Gateway(GatewayParams params) : params_(std::move(params)) {}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayParams params) {
  if (params.db == nullptr) return invalid_argument("the gateway needs a database");
  std::unique_ptr<Gateway> g(new Gateway(std::move(params)));
  HERD_RETURN_IF_ERROR(g->reload());
  HERD_RETURN_IF_ERROR(g->params_.db->drop_reservations(g->params_.holder));
  HERD_RETURN_IF_ERROR(
      g->params_.db->heartbeat(g->params_.holder, g->now_us() / 1'000'000, g->params_.stale_after_s));
  g->background_ = std::thread([p = g.get()] { p->background_loop(); });
  return g;
}

Gateway::~Gateway() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (background_.joinable()) background_.join();
}

int64_t Gateway::now_us() const {
  if (params_.now_us) return params_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Gateway::log(std::string_view line) const {
  if (params_.log) params_.log(line);
}

Status Gateway::reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  // The counter is read first: a change made while we read is seen by the next look.
  HERD_ASSIGN_OR_RETURN(int64_t counter, params_.db->change_counter());
  HERD_ASSIGN_OR_RETURN(std::vector<KeyRecord> records, params_.db->list_keys(false));
  HERD_ASSIGN_OR_RETURN(auto prices, params_.db->list_prices());
  std::unordered_map<int64_t, std::shared_ptr<KeyState>> keys;
  std::unordered_map<std::string, int64_t> by_hash;
  for (KeyRecord& r : records) {
    std::shared_ptr<KeyState> state = key_state(r.id);  // keeps its rate windows
    if (!state) state = std::make_shared<KeyState>();
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->record = r;
    }
    by_hash.emplace(r.hash, r.id);
    keys.emplace(r.id, std::move(state));
  }
  std::unordered_map<std::string, Price> price_map(prices.begin(), prices.end());
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    keys_ = std::move(keys);
    by_hash_ = std::move(by_hash);
    prices_ = std::move(price_map);
  }
  seen_counter_ = counter;
  return Status();
}

void Gateway::reload_if_changed() {
  Result<int64_t> counter = params_.db->change_counter();
  if (!counter.ok()) return log("gateway: cannot read the key table's change counter: " + counter.status().message());
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    if (*counter == seen_counter_) return;
  }
  if (Status s = reload(); !s.ok()) log("gateway: cannot reload keys and prices: " + s.message());
}

void Gateway::background_loop() {
  int64_t last_heartbeat_s = now_us() / 1'000'000;
  int64_t last_retention_s = 0;
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, params_.reload_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    reload_if_changed();
    const int64_t now_s = now_us() / 1'000'000;
    if (now_s - last_heartbeat_s >= params_.heartbeat_every_s) {
      last_heartbeat_s = now_s;
      if (Status s = params_.db->heartbeat(params_.holder, now_s, params_.stale_after_s); !s.ok()) {
        log("gateway: heartbeat failed: " + s.message());
      }
    }
    if (params_.retention_s > 0 && now_s - last_retention_s >= kRetentionEveryS) {
      last_retention_s = now_s;
      Result<int64_t> deleted =
          params_.db->delete_usage_before((now_s - params_.retention_s) * 1'000'000, 10'000);
      if (!deleted.ok()) log("gateway: usage retention failed: " + deleted.status().message());
    }
    lock.lock();
  }
}

std::shared_ptr<Gateway::KeyState> Gateway::key_state(int64_t id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : it->second;
}

bool Gateway::has_active_key() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return !keys_.empty();
}

Price Gateway::price(const std::string& model) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = prices_.find(model);
  return it == prices_.end() ? Price{} : it->second;
}

std::variant<Caller, Refusal> Gateway::authenticate(std::optional<std::string_view> presented) {
  if (!presented) {
    return refusal(Refusal::Kind::kInvalidKey,
                   "no API key: send it as 'Authorization: Bearer KEY' (or an x-api-key header)");
  }
  if (!looks_like_api_key(*presented)) return refusal(Refusal::Kind::kInvalidKey, "malformed API key");
  const std::string hash = params_.hasher.hash(*presented);
  auto lookup = [&]() -> std::shared_ptr<KeyState> {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return nullptr;
    auto k = keys_.find(it->second);
    return k == keys_.end() ? nullptr : k->second;
  };
  std::shared_ptr<KeyState> state = lookup();
  if (!state) {
    // Perhaps a key made a moment ago by the CLI or another replica: look in the database,
    // but at most once per interval however many guesses arrive. Requests that missed
    // while a look was under way wait for it and find the key it loaded.
    const auto asked = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> miss_lock(miss_mu_);
    state = lookup();
    if (!state && last_miss_check_ < asked && asked - last_miss_check_ >= kMissCheckInterval) {
      last_miss_check_ = std::chrono::steady_clock::now();
      reload_if_changed();
      state = lookup();
    }
  }
  if (!state) return refusal(Refusal::Kind::kInvalidKey, "invalid API key (unknown or revoked)");
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->record.revoked_at != 0 || !same_hash(state->record.hash, hash)) {
    return refusal(Refusal::Kind::kInvalidKey, "invalid API key (unknown or revoked)");
  }
  return Caller{state->record.id, state->record.name, state->record.admin};
}

bool Gateway::may_use(const Caller& caller, std::span<const std::string> names) const {
  std::shared_ptr<KeyState> state = key_state(caller.key_id);
  if (!state) return false;
  std::lock_guard<std::mutex> lock(state->mu);
  const std::vector<std::string>& allowed = state->record.limits.models;
  if (allowed.empty()) return true;
  for (const std::string& name : names) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return true;
  }
  return false;
}

Refusal Gateway::model_not_allowed(std::string_view model) {
  return refusal(Refusal::Kind::kModelNotAllowed,
                 "this API key may not use the model '" + std::string(model.substr(0, 64)) + "'");
}

std::variant<Admission, Refusal> Gateway::admit(const Caller& caller, const Estimate& estimate) {
  std::shared_ptr<KeyState> state = key_state(caller.key_id);
  if (!state) return refusal(Refusal::Kind::kInvalidKey, "invalid API key (unknown or revoked)");
  const Price price = this->price(estimate.model);
  const int64_t now = now_us();
  const int64_t now_s = now / 1'000'000;
  const int64_t need_tokens = estimate.prompt_tokens + estimate.max_completion_tokens;

  // The limits only (not the whole record, whose model list may be long): the database
  // decides, so no lock is held while it does.
  KeyLimits limits;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    const KeyRecord& key = state->record;
    if (key.revoked_at != 0) return refusal(Refusal::Kind::kInvalidKey, "invalid API key (unknown or revoked)");
    limits.rpm = key.limits.rpm;
    limits.tpm = key.limits.tpm;
    limits.budget = key.limits.budget;
    limits.period = key.limits.period;
  }
  AdmitAsk ask;
  ask.key_id = caller.key_id;
  ask.now_s = now_s;
  ask.need_tokens = need_tokens;
  ask.rpm = limits.rpm;
  ask.tpm = limits.tpm;
  if (limits.period != BudgetPeriod::kNone) {
    Reservation want;
    want.key_id = caller.key_id;
    want.period_start = period_start(limits.period, now_s);
    // The worst case prices every prompt token at the dearer of input and cached input (a
    // price list may make the cache dearer), so the real cost never exceeds what is held.
    Price worst = price;
    worst.input = std::max(price.input, price.cached_input);
    want.amount = cost_of(TokenCounts{estimate.prompt_tokens, 0, estimate.max_completion_tokens}, worst);
    ask.reservation = want;
    ask.budget = limits.budget;
    ask.holder = params_.holder;
  }
  AdmitOutcome outcome;
  // A key with neither limits nor a budget asks the database nothing before it runs.
  if (ask.rpm > 0 || ask.tpm > 0 || ask.reservation) {
    Result<AdmitOutcome> asked = params_.db->admit(ask);
    if (!asked.ok()) {
      log("gateway: cannot admit a request: " + asked.status().message());
      return refusal(Refusal::Kind::kUnavailable, "the usage ledger is unavailable; try again", 1);
    }
    outcome = *asked;
  }
  switch (outcome.verdict) {
    case AdmitOutcome::Verdict::kRequestsLimited: {
      Refusal r = refusal(Refusal::Kind::kRateLimited,
                          "rate limit reached: " + std::to_string(limits.rpm) + " requests per minute",
                          outcome.retry_after_s);
      add_limit_headers(r.headers, "requests", limits.rpm, outcome.requests);
      return r;
    }
    case AdmitOutcome::Verdict::kTokensLimited: {
      std::string message =
          need_tokens > limits.tpm
              ? "this request may use " + std::to_string(need_tokens) + " tokens (prompt and max_tokens), more than the key's " +
                    std::to_string(limits.tpm) + " tokens per minute: lower max_tokens"
              : "rate limit reached: " + std::to_string(limits.tpm) + " tokens per minute";
      Refusal r = refusal(Refusal::Kind::kRateLimited, std::move(message), outcome.retry_after_s);
      add_limit_headers(r.headers, "tokens", limits.tpm, outcome.tokens);
      return r;
    }
    case AdmitOutcome::Verdict::kOverBudget: {
      const Micros left = std::max<Micros>(limits.budget - outcome.spent, 0);
      return refusal(Refusal::Kind::kInsufficientQuota,
                     "the key's budget has " + format_amount(left) + " left this " +
                         budget_period_name(limits.period) + "; this request may cost up to " +
                         format_amount(ask.reservation->amount) + " (lower max_tokens, or raise the budget)");
    }
    case AdmitOutcome::Verdict::kAdmitted: break;
  }
  Admission a;
  a.reservation_ = outcome.reservation;
  if (limits.rpm > 0) add_limit_headers(a.headers_, "requests", limits.rpm, outcome.requests);
  if (limits.tpm > 0) add_limit_headers(a.headers_, "tokens", limits.tpm, outcome.tokens);
  a.gateway_ = this;
  a.admitted_s_ = now_s;
  a.rate_counted_ = limits.rpm > 0 || limits.tpm > 0;
  a.counted_tokens_ = need_tokens;
  a.row_.key_id = caller.key_id;
  a.row_.model = estimate.model;
  a.row_.time = now;
  a.row_.status = 500;  // until the server says how it ended
  return a;
}

Status Gateway::settle(Admission& a) {
  LedgerRow& row = a.row_;
  const int64_t now = now_us();
  if (row.duration_us <= 0) row.duration_us = std::max<int64_t>(now - row.time, 0);
  row.time = now;
  row.cost = cost_of(row.tokens, price(row.model));
  RateCorrection rate;
  if (a.rate_counted_) {
    rate.at_s = a.admitted_s_;
    rate.tokens = row.tokens.prompt + row.tokens.completion - a.counted_tokens_;
  }
  Result<bool> written = params_.db->settle(a.reservation_, row, rate);
  if (!written.ok()) {
    log("gateway: cannot write the ledger row of request " + row.request_id + ": " + written.status().message());
    return written.status();
  }
  return Status();
}

}  // namespace herd::gateway
