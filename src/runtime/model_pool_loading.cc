// The pool's loader thread: loads what requests ask for, one at a time and first come
// first served, making room within the budget; unloads what is evicted or expired.
#include <algorithm>
#include <utility>

#include "runtime/model_pool.h"
#include "runtime/model_pool_entry.h"

namespace herd {
namespace {

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

}  // namespace

bool ModelPool::idle(const Entry& e) const {
  return e.state == Entry::State::kLoaded && e.n_leases == 0 && e.n_waiters == 0;
}

void ModelPool::run() {
  Lock lock(mu_);
  while (!stopping_) {
    if (!to_destroy_.empty()) {
      destroy_unloaded(lock);
      continue;
    }
    unload_expired_locked(PoolClock::now());
    if (!to_destroy_.empty()) continue;
    if (!wanted_.empty()) {
      std::shared_ptr<Entry> e = std::move(wanted_.front());
      wanted_.pop_front();
      if (e->state != Entry::State::kWanted) continue;
      if (e->n_waiters == 0) {  // everyone who asked gave up
        e->state = Entry::State::kUnloaded;
        continue;
      }
      load_entry(lock, e);
      continue;
    }
    if (const auto next = next_expiry_locked()) {
      loader_wake_.wait_until(lock, *next);
    } else {
      loader_wake_.wait(lock);
    }
  }
}

void ModelPool::load_entry(Lock& lock, const std::shared_ptr<Entry>& e) {
  e->state = Entry::State::kLoading;
  const std::shared_ptr<const ModelSpec> spec = e->spec;
  const std::string& path = spec->gguf_path;
  std::shared_ptr<PooledWeights> weights;
  auto slot = weights_.find(path);
  if (slot != weights_.end()) {
    ++slot->second.users;  // another spec over the same file: no second copy
    weights = slot->second.weights;
  } else {
    lock.unlock();
    Result<uint64_t> wanted = pool_guarded("sizing the weights", [&] { return loader_->weights_bytes(*spec); });
    lock.lock();
    if (!wanted.ok()) return fail_load(*e, wanted.status());
    if (!wait_for_room(lock, *e, *wanted, *wanted)) return;
    used_ += *wanted;  // reserved while they load
    lock.unlock();
    Result<std::shared_ptr<PooledWeights>> loaded =
        pool_guarded("loading the weights", [&] { return loader_->load_weights(*spec); });
    lock.lock();
    used_ -= *wanted;
    if (!loaded.ok()) return fail_load(*e, loaded.status());
    WeightsSlot& s = weights_[path];
    s.weights = std::move(loaded).value();
    s.bytes = s.weights->bytes();
    s.users = 1;
    used_ += s.bytes;
    weights = s.weights;
  }
  const uint64_t weights_bytes = weights_[path].bytes;
  lock.unlock();
  Result<uint64_t> wanted = pool_guarded("sizing the engine", [&] { return loader_->engine_bytes(*spec, *weights); });
  lock.lock();
  if (!wanted.ok()) {
    release_weights_user(path);
    return fail_load(*e, wanted.status());
  }
  if (!wait_for_room(lock, *e, *wanted, weights_bytes + *wanted)) return release_weights_user(path);
  used_ += *wanted;
  lock.unlock();
  Result<std::unique_ptr<PooledEngine>> engine =
      pool_guarded("starting the engine", [&] { return loader_->start_engine(*spec, weights); });
  weights.reset();
  lock.lock();
  used_ -= *wanted;
  if (!engine.ok()) {
    release_weights_user(path);
    return fail_load(*e, engine.status());
  }
  e->engine = std::shared_ptr<PooledEngine>(std::move(engine).value());
  e->engine_bytes = e->engine->bytes();
  used_ += e->engine_bytes;
  e->state = Entry::State::kLoaded;
  e->last_used = PoolClock::now();
  e->keep_alive = params_.keep_alive;
  e->last_failure = Status();
  ++e->attempts;
  ++e->loads;
  // Retired while it loaded, and nobody waits: nothing will ever use it.
  if (e->retired && idle(*e)) unload_locked(*e);
  changed_.notify_all();
}

bool ModelPool::wait_for_room(Lock& lock, Entry& e, uint64_t bytes, uint64_t alone) {
  const uint64_t budget = params_.memory_budget;
  if (alone > budget) {
    fail_load(e, unavailable("it needs " + mib(alone) +
                             " (weights and KV cache), more than the models' memory budget of " + mib(budget) +
                             " (--models-memory)"));
    return false;
  }
  while (used_ + bytes > budget) {
    if (stopping_ || e.n_waiters == 0) {
      e.state = Entry::State::kUnloaded;
      room_wanted_ = 0;
      changed_.notify_all();
      return false;
    }
    unload_expired_locked(PoolClock::now());
    if (evict_one_locked(&e) || !to_destroy_.empty()) {
      destroy_unloaded(lock);
      continue;
    }
    // Every loaded model is busy: wait until one is released (release() evicts for us).
    room_wanted_ = bytes;
    loader_wake_.wait_for(lock, std::chrono::milliseconds(200));
    room_wanted_ = 0;
  }
  return true;
}

void ModelPool::fail_load(Entry& e, const Status& status) {
  e.state = Entry::State::kUnloaded;
  e.last_failure = status.ok() ? internal_error("the load failed without a reason") : status;
  ++e.attempts;
  changed_.notify_all();
}

void ModelPool::release_weights_user(const std::string& path) {
  auto slot = weights_.find(path);
  if (slot == weights_.end() || --slot->second.users > 0) return;
  to_destroy_.push_back(std::move(slot->second.weights));
  used_ -= slot->second.bytes;
  weights_.erase(slot);
}

bool ModelPool::evict_one_locked(const Entry* keep) {
  Entry* victim = nullptr;
  for (const auto& e : entries_) {
    if (e.get() == keep || !idle(*e) || e->spec->pinned) continue;
    if (victim == nullptr || e->last_used < victim->last_used) victim = e.get();
  }
  if (victim == nullptr) return false;
  unload_locked(*victim);
  ++victim->evictions;
  return true;
}

void ModelPool::unload_locked(Entry& e) {
  if (e.state != Entry::State::kLoaded) return;
  to_destroy_.push_back(std::move(e.engine));
  used_ -= e.engine_bytes;
  e.engine_bytes = 0;
  e.state = Entry::State::kUnloaded;
  release_weights_user(e.spec->gguf_path);
  loader_wake_.notify_one();
}

void ModelPool::unload_expired_locked(PoolClock::time_point now) {
  for (const auto& e : entries_) {
    if (!idle(*e) || e->spec->pinned || e->keep_alive.count() < 0) continue;
    if (now - e->last_used >= e->keep_alive) unload_locked(*e);
  }
}

std::optional<PoolClock::time_point> ModelPool::next_expiry_locked() const {
  std::optional<PoolClock::time_point> next;
  for (const auto& e : entries_) {
    if (!idle(*e) || e->spec->pinned || e->keep_alive.count() < 0) continue;
    const PoolClock::time_point at = e->last_used + e->keep_alive;
    if (!next || at < *next) next = at;
  }
  return next;
}

void ModelPool::destroy_unloaded(Lock& lock) {
  std::vector<std::shared_ptr<void>> doomed;
  doomed.swap(to_destroy_);
  lock.unlock();
  // In order: an engine goes before the weights it ran on. An engine's destructor joins
  // its thread, so this happens outside the pool's lock.
  for (auto& d : doomed) d.reset();
  lock.lock();
}

}  // namespace herd
