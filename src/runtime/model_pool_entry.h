// The pool's record of one spec, shared by model_pool.cc (callers) and
// model_pool_loading.cc (the loader thread). Every field is guarded by the pool's mutex.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include "runtime/model_pool.h"

namespace herd {

using PoolClock = std::chrono::steady_clock;

struct ModelPool::Entry {
  enum class State { kUnloaded, kWanted, kLoading, kLoaded };
  std::shared_ptr<const ModelSpec> spec;
  State state = State::kUnloaded;
  std::shared_ptr<PooledEngine> engine;
  uint64_t engine_bytes = 0;
  int32_t n_waiters = 0;       // acquires waiting for the load
  int32_t n_waiting_seqs = 0;  // ... and the sequences they count in the queue
  int32_t n_leases = 0;
  bool retired = false;        // no longer servable: unloads once idle
  PoolClock::time_point last_used{};
  std::chrono::milliseconds keep_alive{kKeepForever};
  int64_t attempts = 0;        // loads ended, either way (waiters watch it)
  Status last_failure;
  int64_t loads = 0;
  int64_t evictions = 0;
};

// A throw from code the pool calls (a loader, the refresh callback: memory, a bug)
// becomes an error for that call, never the end of a pool thread.
template <typename Fn>
auto pool_guarded(const char* what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return internal_error(std::string(what) + ": " + e.what());
  } catch (...) {
    return internal_error(std::string(what) + ": unknown exception");
  }
}

}  // namespace herd
