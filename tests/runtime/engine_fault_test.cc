// The engine's exception barrier and its request limits: a throw inside a step fails
// only the requests it hits (RequestFailed, internal error, blocks freed, one log
// line) and the engine serves the others; n choices count n against --parallel and
// the queue; a request's total work is bounded. Faults come from EngineParams::faults.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "engine_fixture.h"

namespace herd::engine_test {
namespace {

using FaultTest = EngineTest;

// Blocks the loop thread at the next evaluation until released: the engine's state
// stays put while the test submits.
class Gate {
 public:
  void arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  void wait_if_armed() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!armed_) return;
    reached_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !armed_; });
  }
  void wait_reached() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return reached_; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool reached_ = false;
};

void expect_all_freed(const Engine& e) {
  const EngineStats st = e.stats();
  EXPECT_EQ(st.kv_blocks_used, 0);
  EXPECT_EQ(st.n_running, 0);
  EXPECT_EQ(st.n_waiting, 0);
}

TEST_F(FaultTest, ThrowWhileSamplingFailsOnlyThatRequest) {
  EngineParams p;
  p.n_parallel = 4;
  // The request with seed 666 throws in its sampler, at its first token.
  p.faults.before_sample = [](const GenerationRequest& r) {
    if (r.sampling.seed == 666) throw std::runtime_error("injected sampler fault");
  };
  std::unique_ptr<Engine> e = engine(p);
  ASSERT_TRUE(e);
  const Outcome alone = run(*e, request("Once upon a time", 24));
  ASSERT_TRUE(alone.done);

  GenerationRequest bad = request("The little dog", 24, 0.0f, 666);
  bad.n = 3;
  ::testing::internal::CaptureStderr();
  Result<std::shared_ptr<RequestStream>> sb = e->submit(bad);
  Result<std::shared_ptr<RequestStream>> sg = e->submit(request("Once upon a time", 24));
  ASSERT_TRUE(sb.ok() && sg.ok());
  const Outcome failed = collect(**sb, 3);
  const Outcome good = collect(**sg, 1);
  e->drain();
  const std::string log = ::testing::internal::GetCapturedStderr();

  ASSERT_TRUE(failed.failed.has_value());
  EXPECT_EQ(failed.failed->code(), StatusCode::kInternal);
  EXPECT_NE(failed.failed->message().find("injected sampler fault"), std::string::npos) << failed.failed->message();
  ASSERT_TRUE(good.done) << (good.failed ? good.failed->to_string() : "");
  EXPECT_EQ(good.tokens, alone.tokens);
  EXPECT_NE(log.find("herd: engine: sampling threw injected sampler fault"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  expect_all_freed(*e);
}

TEST_F(FaultTest, ThrowInABatchFailsItsRequestsAndTheEngineGoesOn) {
  EngineParams p;
  p.n_parallel = 1;  // the second request waits outside the batch
  auto armed = std::make_shared<std::atomic<bool>>(false);
  auto gate = std::make_shared<Gate>();
  p.faults.before_eval = [armed, gate] {
    gate->wait_if_armed();
    if (armed->exchange(false)) throw std::runtime_error("injected model fault");
  };
  std::unique_ptr<Engine> e = engine(p);
  ASSERT_TRUE(e);
  const Outcome alone = run(*e, request("Lily went", 16));
  ASSERT_TRUE(alone.done);

  gate->arm();
  Result<std::shared_ptr<RequestStream>> first = e->submit(request("Once upon a time", 60));
  ASSERT_TRUE(first.ok());
  gate->wait_reached();  // its prompt is about to be evaluated; the next request only waits
  ::testing::internal::CaptureStderr();
  Result<std::shared_ptr<RequestStream>> second = e->submit(request("Lily went", 16));
  ASSERT_TRUE(second.ok());
  armed->store(true);
  gate->release();
  const Outcome failed = collect(**first, 1);
  const Outcome good = collect(**second, 1);
  const std::string log = ::testing::internal::GetCapturedStderr();

  ASSERT_TRUE(failed.failed.has_value());
  EXPECT_EQ(failed.failed->code(), StatusCode::kInternal);
  ASSERT_TRUE(good.done) << (good.failed ? good.failed->to_string() : "");
  EXPECT_EQ(good.tokens, alone.tokens);
  EXPECT_NE(log.find("evaluating a batch threw injected model fault"), std::string::npos) << log;
  expect_all_freed(*e);
  EXPECT_FALSE(armed->load());

  // Later requests are served as before.
  const Outcome later = run(*e, request("Lily went", 16));
  ASSERT_TRUE(later.done);
  EXPECT_EQ(later.tokens, alone.tokens);
}

TEST_F(FaultTest, ChoicesCountAgainstParallelAndTheQueue) {
  EngineParams p;
  p.n_parallel = 2;
  p.max_queue = 4;
  auto gate = std::make_shared<Gate>();
  auto most_running = std::make_shared<std::atomic<int32_t>>(0);
  auto self = std::make_shared<std::atomic<Engine*>>(nullptr);
  p.faults.before_eval = [gate, most_running, self] {
    if (Engine* e = self->load()) {
      const int32_t n = e->stats().n_running;
      if (n > most_running->load()) most_running->store(n);
    }
    gate->wait_if_armed();
  };
  std::unique_ptr<Engine> e = engine(p);
  ASSERT_TRUE(e);
  self->store(e.get());

  GenerationRequest big = request("Once upon a time", 30, 1.0f, 5);
  big.n = 5;
  EXPECT_EQ(e->submit(big).status().code(), StatusCode::kInvalidArgument);  // can never queue
  big.n = 4;
  gate->arm();
  Result<std::shared_ptr<RequestStream>> s = e->submit(big);
  ASSERT_TRUE(s.ok());
  gate->wait_reached();  // its prompt is being evaluated: four sequences wait
  EXPECT_EQ(e->stats().n_waiting, 4);
  const Status refused = e->submit(request("Lily", 4)).status();
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.to_string();
  gate->release();
  const Outcome o = collect(**s, 4);
  ASSERT_TRUE(o.done);
  for (const auto& f : o.finish) EXPECT_TRUE(f.has_value());
  EXPECT_EQ(most_running->load(), 2);  // never more than --parallel
  self->store(nullptr);
  expect_all_freed(*e);
  // The choices that waited for a slot (and recomputed the prompt's tail) still give
  // what each gives alone.
  for (int32_t i = 0; i < big.n; ++i) {
    GenerationRequest one = big;
    one.n = 1;
    one.sampling.seed = big.sampling.seed + static_cast<uint64_t>(i);
    EXPECT_EQ(run(*e, one).tokens[0], o.tokens[static_cast<size_t>(i)]) << "choice " << i;
  }
}

TEST_F(FaultTest, RequestWorkIsBounded) {
  EngineParams p;
  p.n_parallel = 2;
  p.n_ctx = 64;  // the limit is 2 x 64 tokens
  std::unique_ptr<Engine> e = engine(p);
  ASSERT_TRUE(e);
  GenerationRequest r = request("Once upon a time", 40);
  const int32_t n_prompt = static_cast<int32_t>(r.prompt.size());
  ASSERT_LT(n_prompt, 24);
  r.n = 128 / (n_prompt + 40) + 1;
  const Status over = e->submit(r).status();
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("limit per request is 128"), std::string::npos) << over.to_string();
  r.n = 128 / (n_prompt + 40);
  EXPECT_TRUE(run(*e, r).done);
  GenerationRequest unbounded = request("Once upon a time", -1);
  unbounded.n = 3;  // 3 x the whole context
  EXPECT_EQ(e->submit(unbounded).status().code(), StatusCode::kInvalidArgument);

  p.max_request_tokens = 3 * 64;
  std::unique_ptr<Engine> wide = engine(p);
  ASSERT_TRUE(wide);
  unbounded.max_tokens = 8;
  EXPECT_TRUE(run(*wide, unbounded).done);
  unbounded.max_tokens = -1;
  EXPECT_TRUE(wide->submit(unbounded).ok());
}

}  // namespace
}  // namespace herd::engine_test
