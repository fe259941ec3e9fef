// The pool's bookkeeping with a fake loader (no model): loads on demand, shared
// weights, the memory budget and LRU eviction, queue limits while loading, failures,
// keep-alive and pins. Waits are hang guards, never measurements.
#include "runtime/model_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace herd {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

class IdleService final : public GenerationService {
 public:
  Result<std::shared_ptr<RequestStream>> submit(GenerationRequest) override { return unavailable("fake"); }
  EngineStats stats() const override { return {}; }
  int32_t n_ctx() const override { return 64; }
  int32_t n_vocab() const override { return 10; }
  void drain() override {}
};

struct FakeWeights final : PooledWeights {
  explicit FakeWeights(uint64_t b) : b_(b) {}
  uint64_t bytes() const override { return b_; }
  uint64_t b_;
};

struct FakeEngine final : PooledEngine {
  explicit FakeEngine(uint64_t b) : b_(b) {}
  GenerationService& service() override { return service_; }
  uint64_t bytes() const override { return b_; }
  const Tokenizer* tokenizer() const override { return nullptr; }
  std::shared_ptr<const chat::Template> chat_template() const override { return nullptr; }
  IdleService service_;
  uint64_t b_;
};

// Weights of 100 bytes per file and engines of 10, unless told otherwise. A path in
// `failing` fails to load; a path in `gated` waits until open_gate().
struct LoaderScript {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> weight_loads;  // by path
  std::map<std::string, int> entered;       // loads begun (before any gate), by path
  std::map<std::string, int> engine_starts;  // by spec id
  std::set<std::string> failing;
  std::set<std::string> gated;
  std::atomic<int> live_engines{0};
  uint64_t weights_bytes = 100;
  uint64_t engine_bytes = 10;

  void open_gate() {
    std::lock_guard<std::mutex> lock(mu);
    gated.clear();
    cv.notify_all();
  }
  int loads_of(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    return weight_loads[path];
  }
  int entered_of(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    return entered[path];
  }
  int starts_of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return engine_starts[id];
  }
};

// Opens the gate when a test ends early, so no thread stays blocked in a load (declare
// it after the futures and the pool whose threads may wait on the gate).
struct GateOpener {
  LoaderScript* script;
  ~GateOpener() { script->open_gate(); }
};

class FakeLoader final : public ModelLoader {
 public:
  explicit FakeLoader(LoaderScript* s) : s_(s) {}
  Result<uint64_t> weights_bytes(const ModelSpec&) override { return s_->weights_bytes; }
  Result<std::shared_ptr<PooledWeights>> load_weights(const ModelSpec& spec) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    ++s_->entered[spec.gguf_path];
    s_->cv.wait(lock, [&] { return s_->gated.count(spec.gguf_path) == 0; });
    if (s_->failing.count(spec.gguf_path) > 0) return corrupt_file(spec.gguf_path + ": not a model");
    ++s_->weight_loads[spec.gguf_path];
    return std::shared_ptr<PooledWeights>(std::make_shared<FakeWeights>(s_->weights_bytes));
  }
  Result<uint64_t> engine_bytes(const ModelSpec&, const PooledWeights&) override { return s_->engine_bytes; }
  Result<std::unique_ptr<PooledEngine>> start_engine(const ModelSpec& spec, std::shared_ptr<PooledWeights>) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->engine_starts[spec.id];
    return std::unique_ptr<PooledEngine>(std::make_unique<FakeEngine>(s_->engine_bytes));
  }

 private:
  LoaderScript* s_;
};

ModelSpec spec(const std::string& id, const std::string& path) {
  ModelSpec s;
  s.id = id;
  s.gguf_path = path;
  return s;
}

bool is_loaded(const ModelPool& pool, const std::string& id) {
  for (const PooledModelStats& s : pool.stats()) {
    if (s.id == id) return s.loaded;
  }
  return false;
}

PooledModelStats stats_of(const ModelPool& pool, const std::string& id) {
  for (const PooledModelStats& s : pool.stats()) {
    if (s.id == id) return s;
  }
  return {};
}

std::vector<ModelSpec> three() { return {spec("a", "/a.gguf"), spec("b", "/b.gguf"), spec("c", "/c.gguf")}; }

ModelPoolParams budget(uint64_t bytes) {
  ModelPoolParams p;
  p.memory_budget = bytes;
  return p;
}

TEST(ModelPool, LoadsOnFirstUseAndListsEverySpec) {
  LoaderScript script;
  ModelPool pool({}, std::make_unique<FakeLoader>(&script), three());
  ASSERT_EQ(pool.specs().size(), 3u);
  EXPECT_EQ(pool.models_loaded(), 0);
  Result<ModelLease> b = pool.acquire("b");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->spec().id, "b");
  EXPECT_EQ(b->service().n_ctx(), 64);
  EXPECT_TRUE(is_loaded(pool, "b"));
  EXPECT_FALSE(is_loaded(pool, "a"));
  EXPECT_EQ(pool.bytes_used(), 110u);
  EXPECT_EQ(stats_of(pool, "b").loads, 1);
  // Loaded: the next acquire does not load again.
  Result<ModelLease> again = pool.acquire("b");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(script.starts_of("b"), 1);
  EXPECT_EQ(pool.acquire("nope").status().code(), StatusCode::kNotFound);
  // No name: the first spec.
  Result<ModelLease> first = pool.acquire("");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->spec().id, "a");
}

TEST(ModelPool, SpecsOfOneFileShareItsWeights) {
  LoaderScript script;
  ModelSpec preset = spec("preset", "/base.gguf");
  preset.names = {"library/preset:latest"};
  ModelPool pool({}, std::make_unique<FakeLoader>(&script), {spec("base", "/base.gguf"), preset});
  Result<ModelLease> base = pool.acquire("base");
  Result<ModelLease> p = pool.acquire("library/preset:latest");
  ASSERT_TRUE(base.ok() && p.ok());
  EXPECT_EQ(p->spec().id, "preset");
  EXPECT_EQ(script.loads_of("/base.gguf"), 1);  // one file, one load
  EXPECT_EQ(script.starts_of("base"), 1);
  EXPECT_EQ(script.starts_of("preset"), 1);     // an engine each
  EXPECT_EQ(pool.bytes_used(), 100u + 10u + 10u);
  EXPECT_EQ(pool.models_loaded(), 2);
}

TEST(ModelPool, ALoadThatDoesNotFitEvictsTheLeastRecentlyUsedIdleModel) {
  LoaderScript script;
  ModelPool pool(budget(230), std::make_unique<FakeLoader>(&script), three());  // two fit
  ASSERT_TRUE(pool.load("a").ok());
  ASSERT_TRUE(pool.load("b").ok());
  ASSERT_TRUE(pool.load("a").ok());  // a is now more recent than b
  ASSERT_TRUE(pool.load("c").ok());
  EXPECT_TRUE(is_loaded(pool, "a"));
  EXPECT_FALSE(is_loaded(pool, "b"));
  EXPECT_TRUE(is_loaded(pool, "c"));
  EXPECT_EQ(stats_of(pool, "b").evictions, 1);
  EXPECT_EQ(stats_of(pool, "a").evictions, 0);
  EXPECT_LE(pool.bytes_used(), 230u);
  // And back: b evicts a, now the least recently used.
  ASSERT_TRUE(pool.load("b").ok());
  EXPECT_FALSE(is_loaded(pool, "a"));
  EXPECT_EQ(stats_of(pool, "b").loads, 2);
}

TEST(ModelPool, BusyModelsAreNotEvictedTheLoadWaitsForOneToGoIdle) {
  LoaderScript script;
  ModelPool pool(budget(230), std::make_unique<FakeLoader>(&script), three());
  Result<ModelLease> a = pool.acquire("a");
  Result<ModelLease> b = pool.acquire("b");
  ASSERT_TRUE(a.ok() && b.ok());
  std::future<Result<ModelLease>> c = std::async(std::launch::async, [&] { return pool.acquire("c"); });
  EXPECT_EQ(c.wait_for(200ms), std::future_status::timeout);  // both busy: c waits
  EXPECT_FALSE(is_loaded(pool, "c"));
  *b = ModelLease();  // b done: it goes, c comes
  ASSERT_EQ(c.wait_for(10s), std::future_status::ready);
  Result<ModelLease> got = c.get();
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_TRUE(is_loaded(pool, "a"));
  EXPECT_FALSE(is_loaded(pool, "b"));
  EXPECT_EQ(stats_of(pool, "b").evictions, 1);
}

TEST(ModelPool, AModelAloneOverTheBudgetFailsCleanlyAndOthersStillLoad) {
  LoaderScript script;
  ModelSpec big = spec("big", "/big.gguf");
  ModelPool pool(budget(115), std::make_unique<FakeLoader>(&script), {big, spec("a", "/a.gguf")});
  script.engine_bytes = 20;  // 100 + 20 > 115
  Result<ModelLease> r = pool.acquire("big");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("--models-memory"), std::string::npos) << r.status().message();
  script.engine_bytes = 10;
  EXPECT_TRUE(pool.acquire("a").ok());
  EXPECT_EQ(pool.bytes_used(), 110u);
}

TEST(ModelPool, AFailedLoadFailsItsWaitersAndTheNextRequestTriesAgain) {
  LoaderScript script;
  script.failing.insert("/b.gguf");
  ModelPool pool({}, std::make_unique<FakeLoader>(&script), three());
  Result<ModelLease> b = pool.acquire("b");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("could not be loaded"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("not a model"), std::string::npos) << b.status().message();
  EXPECT_TRUE(pool.acquire("a").ok());
  EXPECT_EQ(pool.bytes_used(), 110u);  // nothing of b's is left counted
  script.failing.clear();
  EXPECT_TRUE(pool.acquire("b").ok());
}

TEST(ModelPool, WhileOneModelLoadsOthersServeAndItsWaitersFillItsQueue) {
  LoaderScript script;
  ModelPoolParams p;
  p.max_queue = 4;
  ModelPool pool(p, std::make_unique<FakeLoader>(&script), three());
  ASSERT_TRUE(pool.load("a").ok());
  script.gated.insert("/b.gguf");
  AcquireOptions three_seqs;
  three_seqs.n_sequences = 3;
  std::future<Result<ModelLease>> waiting = std::async(std::launch::async, [&] { return pool.acquire("b", three_seqs); });
  GateOpener opener{&script};
  ASSERT_TRUE(eventually([&] { return script.entered_of("/b.gguf") == 1; }));  // its waiter is queued
  // b's queue holds 4 sequences: 3 wait, so 2 more do not fit. (Were there room, this
  // one would wait, and give up at its first look at `cancelled`.)
  AcquireOptions two_seqs;
  two_seqs.n_sequences = 2;
  two_seqs.cancelled = [] { return true; };
  EXPECT_EQ(pool.acquire("b", two_seqs).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(waiting.wait_for(0ms), std::future_status::timeout);
  // a serves while b loads.
  EXPECT_TRUE(pool.acquire("a").ok());
  script.open_gate();
  Result<ModelLease> got = waiting.get();
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(script.loads_of("/b.gguf"), 1);
}

TEST(ModelPool, AWaiterThatGivesUpLeavesTheQueue) {
  LoaderScript script;
  ModelPoolParams p;
  p.max_queue = 1;
  ModelPool pool(p, std::make_unique<FakeLoader>(&script), three());
  script.gated.insert("/a.gguf");
  std::atomic<bool> gone{false};
  AcquireOptions o;
  o.cancelled = [&] { return gone.load(); };
  std::future<Result<ModelLease>> waiting = std::async(std::launch::async, [&] { return pool.acquire("a", o); });
  GateOpener opener{&script};
  ASSERT_EQ(waiting.wait_for(50ms), std::future_status::timeout);
  gone = true;
  Result<ModelLease> r = waiting.get();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  script.open_gate();
  EXPECT_TRUE(pool.acquire("a").ok());  // its place in the queue was given back
}

TEST(ModelPool, KeepAliveUnloadsIdleModelsAndARequestCanOverrideIt) {
  LoaderScript script;
  ModelPoolParams p;
  p.keep_alive = 0ms;  // unload as soon as idle
  ModelPool pool(p, std::make_unique<FakeLoader>(&script), three());
  {
    Result<ModelLease> a = pool.acquire("a");
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(is_loaded(pool, "a"));
  }
  EXPECT_TRUE(eventually([&] { return !is_loaded(pool, "a") && pool.bytes_used() == 0; }));
  EXPECT_EQ(stats_of(pool, "a").evictions, 0);  // expired, not evicted
  // A request that asks for 50 ms keeps it that long, then it goes too.
  AcquireOptions o;
  o.keep_alive = 50ms;
  { ASSERT_TRUE(pool.acquire("b", o).ok()); }
  EXPECT_TRUE(eventually([&] { return !is_loaded(pool, "b"); }));
  // Forever (-1): it stays.
  o.keep_alive = kKeepForever;
  { ASSERT_TRUE(pool.acquire("c", o).ok()); }
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(is_loaded(pool, "c"));
}

TEST(ModelPool, PinnedModelsAreNeverEvictedNorExpired) {
  LoaderScript script;
  std::vector<ModelSpec> specs = three();
  specs[0].pinned = true;
  ModelPoolParams p = budget(230);
  p.keep_alive = 0ms;
  ModelPool pool(p, std::make_unique<FakeLoader>(&script), specs);
  ASSERT_TRUE(pool.load("a").ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.load("b").ok());
    ASSERT_TRUE(pool.load("c").ok());
  }
  EXPECT_TRUE(is_loaded(pool, "a"));
  EXPECT_EQ(stats_of(pool, "a").loads, 1);
  EXPECT_EQ(stats_of(pool, "a").evictions, 0);
}

TEST(ModelPool, SpecsThatGoAwayUnloadAndRefreshFindsNewOnes) {
  LoaderScript script;
  std::atomic<int> refreshes{0};
  ModelPoolParams p;
  p.refresh_interval = 0ms;
  p.refresh = [&]() -> Result<std::vector<ModelSpec>> {
    ++refreshes;
    return std::vector<ModelSpec>{spec("a", "/a.gguf"), spec("new", "/new.gguf")};
  };
  ModelPool pool(p, std::make_unique<FakeLoader>(&script), three());
  ASSERT_TRUE(pool.load("b").ok());
  Result<ModelLease> n = pool.acquire("new");  // unknown: the list is refreshed
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_GE(refreshes.load(), 1);
  EXPECT_FALSE(pool.find("b").has_value());
  EXPECT_TRUE(eventually([&] { return pool.bytes_used() == 110u; }));  // b's weights and engine are gone
  pool.set_specs({spec("a", "/a.gguf")});
  EXPECT_EQ(pool.specs().size(), 2u);  // specs() refreshes again (interval 0)
}

}  // namespace
}  // namespace herd
