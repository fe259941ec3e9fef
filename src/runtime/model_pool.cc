// The pool as its callers see it: specs, acquire and release, stats, drain. The loader
// thread's side is in model_pool_loading.cc.
#include "runtime/model_pool.h"

#include <algorithm>
#include <utility>

#include "runtime/model_pool_entry.h"

namespace herd {

// ---- ModelLease ----

ModelLease::ModelLease(ModelLease&& other) noexcept { *this = std::move(other); }

ModelLease& ModelLease::operator=(ModelLease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    entry_ = std::move(other.entry_);
    spec_ = std::move(other.spec_);
    engine_ = std::move(other.engine_);
    keep_alive_ = other.keep_alive_;
  }
  return *this;
}

ModelLease::~ModelLease() { release(); }

void ModelLease::release() {
  if (pool_ == nullptr) return;
  engine_.reset();  // the pool may unload it now
  pool_->release(*static_cast<ModelPool::Entry*>(entry_.get()), keep_alive_);
  pool_ = nullptr;
  entry_.reset();
}

// ---- ModelPool: the callers' side ----

ModelPool::ModelPool(ModelPoolParams params, std::unique_ptr<ModelLoader> loader, std::vector<ModelSpec> specs)
    : params_(std::move(params)), loader_(std::move(loader)) {
  apply_specs_locked(std::move(specs));
  last_refresh_ = PoolClock::now();
  thread_ = std::thread([this] { run(); });
}

ModelPool::~ModelPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  loader_wake_.notify_all();
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& e : entries_) e->engine.reset();  // engines before the weights they run on
  to_destroy_.clear();
  weights_.clear();
}

std::shared_ptr<ModelPool::Entry> ModelPool::find_locked(const std::string& name) const {
  if (name.empty()) return entries_.empty() ? nullptr : entries_.front();
  for (const auto& e : entries_) {
    if (e->spec->answers_to(name)) return e;
  }
  return nullptr;
}

void ModelPool::maybe_refresh(Lock& lock, bool force) {
  if (!params_.refresh) return;
  const PoolClock::time_point now = PoolClock::now();
  if (!force && now - last_refresh_ < params_.refresh_interval) return;
  last_refresh_ = now;
  lock.unlock();
  Result<std::vector<ModelSpec>> specs = pool_guarded("listing models", [&] { return params_.refresh(); });
  lock.lock();
  // A list that cannot be read now keeps the one we have.
  if (specs.ok()) apply_specs_locked(std::move(specs).value());
}

void ModelPool::apply_specs_locked(std::vector<ModelSpec> specs) {
  std::vector<std::shared_ptr<Entry>> next;
  for (ModelSpec& spec : specs) {
    const bool duplicate = std::any_of(next.begin(), next.end(), [&](const auto& e) { return e->spec->id == spec.id; });
    if (duplicate) continue;
    auto same = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return *e->spec == spec; });
    if (same != entries_.end()) {
      next.push_back(*same);
      continue;
    }
    auto e = std::make_shared<Entry>();
    e->spec = std::make_shared<const ModelSpec>(std::move(spec));
    e->keep_alive = params_.keep_alive;
    next.push_back(std::move(e));
  }
  for (const auto& old : entries_) {
    if (std::find(next.begin(), next.end(), old) != next.end()) continue;
    old->retired = true;
    if (idle(*old)) unload_locked(*old);
  }
  entries_ = std::move(next);
}

void ModelPool::set_specs(std::vector<ModelSpec> specs) {
  std::lock_guard<std::mutex> lock(mu_);
  apply_specs_locked(std::move(specs));
  loader_wake_.notify_one();
}

std::vector<ModelSpec> ModelPool::specs() {
  Lock lock(mu_);
  maybe_refresh(lock, false);
  std::vector<ModelSpec> out;
  for (const auto& e : entries_) out.push_back(*e->spec);
  return out;
}

std::optional<ModelSpec> ModelPool::find(const std::string& name) {
  Lock lock(mu_);
  std::shared_ptr<Entry> e = find_locked(name);
  if (e == nullptr) {
    maybe_refresh(lock, false);
    e = find_locked(name);
  }
  if (e == nullptr) return std::nullopt;
  return *e->spec;
}

ModelLease ModelPool::lease_locked(const std::shared_ptr<Entry>& e) {
  ++e->n_leases;
  e->last_used = PoolClock::now();
  ModelLease lease;
  lease.pool_ = this;
  lease.entry_ = e;
  lease.spec_ = e->spec;
  lease.engine_ = e->engine;
  return lease;
}

Result<ModelLease> ModelPool::acquire(const std::string& name, const AcquireOptions& options) {
  Lock lock(mu_);
  std::shared_ptr<Entry> e = find_locked(name);
  if (e == nullptr) {
    maybe_refresh(lock, false);
    e = find_locked(name);
  }
  if (e == nullptr) return not_found("the model '" + name + "' is not served here");
  if (draining_ || stopping_) return unavailable("the server is shutting down");
  if (e->state != Entry::State::kLoaded) {
    // Waiting for the load counts in the model's queue, as waiting in its engine does.
    const int32_t n = std::max(options.n_sequences, 1);
    if (e->n_waiting_seqs + n > params_.max_queue) {
      return resource_exhausted("the queue is full (" + std::to_string(params_.max_queue) +
                                " sequences wait for model '" + e->spec->id + "' to load)");
    }
    e->n_waiting_seqs += n;
    ++e->n_waiters;
    const int64_t attempts = e->attempts;
    Status outcome;
    while (e->state != Entry::State::kLoaded) {
      if (draining_ || stopping_) {
        outcome = unavailable("the server is shutting down");
      } else if (e->attempts != attempts && !e->last_failure.ok()) {
        outcome = unavailable("the model '" + e->spec->id + "' could not be loaded: " + e->last_failure.message());
      } else if (e->state == Entry::State::kUnloaded) {
        e->state = Entry::State::kWanted;
        wanted_.push_back(e);
        loader_wake_.notify_one();
      }
      if (!outcome.ok()) break;
      changed_.wait_for(lock, std::chrono::milliseconds(100));
      if (options.cancelled) {
        lock.unlock();
        const bool gone = options.cancelled();
        lock.lock();
        if (gone) outcome = unavailable("the request was cancelled while its model loaded");
      }
      if (!outcome.ok()) break;
    }
    e->n_waiting_seqs -= n;
    --e->n_waiters;
    if (!outcome.ok()) {
      loader_wake_.notify_one();  // a load nobody waits for any more can be dropped
      return outcome;
    }
  }
  ModelLease lease = lease_locked(e);
  lease.keep_alive_ = options.keep_alive;
  return lease;
}

Status ModelPool::load(const std::string& name) {
  Result<ModelLease> lease = acquire(name);
  return lease.status();
}

void ModelPool::release(Entry& e, std::optional<std::chrono::milliseconds> keep_alive) {
  std::lock_guard<std::mutex> lock(mu_);
  --e.n_leases;
  e.last_used = PoolClock::now();
  // Each request sets how long the model stays once idle; none given: the server's.
  e.keep_alive = keep_alive.value_or(params_.keep_alive);
  if (idle(e)) {
    if (e.retired || (e.keep_alive.count() == 0 && !e.spec->pinned)) {
      unload_locked(e);
    } else {
      // A load waits for room: evict now, before a new request makes this model busy again.
      while (room_wanted_ > 0 && used_ + room_wanted_ > params_.memory_budget && evict_one_locked(nullptr)) {
      }
    }
  }
  loader_wake_.notify_one();
}

std::vector<PooledModelStats> ModelPool::stats() const {
  std::vector<PooledModelStats> out;
  std::vector<std::shared_ptr<PooledEngine>> engines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries_) {
      PooledModelStats s;
      s.id = e->spec->id;
      s.loaded = e->state == Entry::State::kLoaded;
      s.loads = e->loads;
      s.evictions = e->evictions;
      engines.push_back(s.loaded ? e->engine : nullptr);
      out.push_back(std::move(s));
    }
  }
  // Outside the pool's lock: an engine's stats wait for its own.
  for (size_t i = 0; i < out.size(); ++i) {
    if (engines[i] != nullptr) out[i].engine = engines[i]->service().stats();
  }
  return out;
}

int32_t ModelPool::models_loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  int32_t n = 0;
  for (const auto& e : entries_) n += e->state == Entry::State::kLoaded ? 1 : 0;
  return n;
}

uint64_t ModelPool::bytes_used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_;
}

void ModelPool::drain() {
  std::vector<std::shared_ptr<PooledEngine>> engines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
    for (const auto& e : entries_) {
      if (e->engine != nullptr) engines.push_back(e->engine);
    }
  }
  changed_.notify_all();
  for (const auto& engine : engines) engine->service().drain();
}

}  // namespace herd
