// The models one server serves, and which of them are in memory. Every spec is
// servable; a request for one that is not loaded asks the pool's loader thread to load
// it while other models keep running. Loaded models are counted against a memory budget
// (their weights, once per GGUF file however many specs share it, plus each engine's KV
// pool); a load that does not fit first evicts the least recently used idle model, and
// otherwise waits for one to become idle. Idle models unload after their keep-alive.
//
// The loading itself is the ModelLoader's (runtime/gguf_model_loader.h loads GGUF files
// and starts engines; tests use fakes), so the pool is pure bookkeeping over it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "runtime/generation_service.h"
#include "runtime/keep_alive.h"
#include "runtime/model_spec.h"

namespace herd {

class Tokenizer;
struct GrammarVocab;
namespace chat {
class Template;
}

// The weights of one GGUF file, shared by every spec that names it.
class PooledWeights {
 public:
  virtual ~PooledWeights() = default;
  virtual uint64_t bytes() const = 0;  // what they hold in memory (the file's size)
};

// One spec in memory: its engine, and what a front end needs to talk to it.
class PooledEngine {
 public:
  virtual ~PooledEngine() = default;
  virtual GenerationService& service() = 0;
  virtual uint64_t bytes() const = 0;  // the engine's own reservation (its KV pool)
  virtual const Tokenizer* tokenizer() const = 0;
  virtual std::shared_ptr<const chat::Template> chat_template() const = 0;
  // The vocabulary for grammars (built on first use); nullptr: constraints are not offered.
  virtual std::shared_ptr<const GrammarVocab> grammar_vocab() const { return nullptr; }
};

// Called on the pool's loader thread only, one call at a time.
class ModelLoader {
 public:
  virtual ~ModelLoader() = default;
  // What the weights will take, before they are loaded.
  virtual Result<uint64_t> weights_bytes(const ModelSpec& spec) = 0;
  virtual Result<std::shared_ptr<PooledWeights>> load_weights(const ModelSpec& spec) = 0;
  // What an engine for `spec` over `weights` will reserve; allocates nothing.
  virtual Result<uint64_t> engine_bytes(const ModelSpec& spec, const PooledWeights& weights) = 0;
  virtual Result<std::unique_ptr<PooledEngine>> start_engine(const ModelSpec& spec,
                                                             std::shared_ptr<PooledWeights> weights) = 0;
};

struct ModelPoolParams {
  uint64_t memory_budget = UINT64_MAX;  // bytes of weights + KV pools loaded at once
  std::chrono::milliseconds keep_alive = kKeepForever;  // idle time before an unload
  int32_t max_queue = 64;  // sequences (n choices count n) waiting for one model's load
  // Optional: a fresh list of specs (the store's), asked for when a request names a
  // model the pool does not know and when the list is shown, at most once per interval.
  std::function<Result<std::vector<ModelSpec>>()> refresh;
  std::chrono::milliseconds refresh_interval{1000};
};

struct AcquireOptions {
  int32_t n_sequences = 1;  // what the request counts in the queue while it waits
  // The model's keep-alive once this request is done (a request's keep_alive field).
  std::optional<std::chrono::milliseconds> keep_alive;
  std::function<bool()> cancelled;  // polled while waiting: true gives up (client gone)
};

struct PooledModelStats {
  std::string id;
  bool loaded = false;
  int64_t loads = 0;
  int64_t evictions = 0;  // unloaded to make room for another model
  std::optional<EngineStats> engine;  // when loaded
};

class ModelPool;

// A loaded model in use: while any lease on it lives, the model is neither evicted nor
// unloaded. Hold it until the request's last event is read.
class ModelLease {
 public:
  ModelLease() = default;
  ModelLease(ModelLease&& other) noexcept;
  ModelLease& operator=(ModelLease&& other) noexcept;
  ModelLease(const ModelLease&) = delete;
  ModelLease& operator=(const ModelLease&) = delete;
  ~ModelLease();

  const ModelSpec& spec() const { return *spec_; }
  PooledEngine& engine() const { return *engine_; }
  GenerationService& service() const { return engine_->service(); }

 private:
  friend class ModelPool;
  void release();

  ModelPool* pool_ = nullptr;
  std::shared_ptr<void> entry_;  // the pool's record of the model
  std::shared_ptr<const ModelSpec> spec_;
  std::shared_ptr<PooledEngine> engine_;
  std::optional<std::chrono::milliseconds> keep_alive_;
};

class ModelPool {
 public:
  // Starts the loader thread; loads nothing yet (see load()).
  ModelPool(ModelPoolParams params, std::unique_ptr<ModelLoader> loader, std::vector<ModelSpec> specs);
  ~ModelPool();  // unloads everything; every lease must be gone
  ModelPool(const ModelPool&) = delete;
  ModelPool& operator=(const ModelPool&) = delete;

  // The model answering to `name` ("" or absent: the first spec), loaded for the caller,
  // waiting for its load when needed. Errors: kNotFound (no such model),
  // kResourceExhausted (its load queue is full), kUnavailable (the load failed, the model
  // alone exceeds the budget, the caller gave up, or the pool is draining).
  Result<ModelLease> acquire(const std::string& name, const AcquireOptions& options = {});
  // Loads a model and lets it go idle: pinned models at start-up.
  Status load(const std::string& name);

  std::vector<ModelSpec> specs();                         // every servable model, in order
  std::optional<ModelSpec> find(const std::string& name);  // by id or any of its names
  void set_specs(std::vector<ModelSpec> specs);           // models gone unload when idle
  std::vector<PooledModelStats> stats() const;
  int32_t models_loaded() const;
  uint64_t bytes_used() const;

  // Refuses new acquires and waits for every loaded engine's requests to finish.
  void drain();

 private:
  struct Entry;
  struct WeightsSlot {
    std::shared_ptr<PooledWeights> weights;
    uint64_t bytes = 0;
    int32_t users = 0;  // specs loaded (or loading) over them
  };
  using Lock = std::unique_lock<std::mutex>;
  friend class ModelLease;

  std::shared_ptr<Entry> find_locked(const std::string& name) const;
  void maybe_refresh(Lock& lock, bool force);
  void apply_specs_locked(std::vector<ModelSpec> specs);
  void release(Entry& entry, std::optional<std::chrono::milliseconds> keep_alive);
  ModelLease lease_locked(const std::shared_ptr<Entry>& entry);

  // The loader thread and its steps.
  void run();
  void load_entry(Lock& lock, const std::shared_ptr<Entry>& entry);
  bool wait_for_room(Lock& lock, Entry& entry, uint64_t bytes, uint64_t alone);
  void fail_load(Entry& entry, const Status& status);
  void release_weights_user(const std::string& path);
  bool evict_one_locked(const Entry* keep);
  void unload_locked(Entry& entry);
  void unload_expired_locked(std::chrono::steady_clock::time_point now);
  std::optional<std::chrono::steady_clock::time_point> next_expiry_locked() const;
  void destroy_unloaded(Lock& lock);
  bool idle(const Entry& entry) const;

  const ModelPoolParams params_;
  std::unique_ptr<ModelLoader> loader_;

  mutable std::mutex mu_;
  std::condition_variable loader_wake_;  // work for the loader thread
  std::condition_variable changed_;      // a load ended (waiters look again)
  std::vector<std::shared_ptr<Entry>> entries_;  // servable, in order
  std::deque<std::shared_ptr<Entry>> wanted_;    // loads asked for, first come first served
  std::map<std::string, WeightsSlot> weights_;   // by GGUF path
  std::vector<std::shared_ptr<void>> to_destroy_;  // unloaded engines and weights
  uint64_t used_ = 0;         // bytes loaded or reserved for a load under way
  uint64_t room_wanted_ = 0;  // bytes a load waits for (0: none waits)
  std::chrono::steady_clock::time_point last_refresh_{};
  bool draining_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herd
