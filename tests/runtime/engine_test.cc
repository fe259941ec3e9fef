// The engine on a real model (stories260K): goldens, batch invariance among many
// concurrent requests, prefix caching, n > 1, stop strings, logprobs, cancellation,
// preemption under a tiny KV pool, and every refusal.
#include "runtime/engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine_fixture.h"

namespace herd {
namespace {

using engine_test::collect;
using engine_test::EngineTest;
using engine_test::Outcome;
using namespace std::chrono_literals;

TEST_F(EngineTest, Greedy200FromBosMatchesGolden) {
  const nlohmann::json golden = testing::read_json(testing::shared_dir() / "models" / "stories260K.greedy200.json");
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r;
  r.prompt = golden["input_ids"].get<std::vector<int32_t>>();
  const std::vector<int32_t> want = golden["generated_ids"];
  r.max_tokens = static_cast<int32_t>(want.size());
  r.sampling.temperature = 0.0f;
  r.ignore_eos = true;
  const Outcome o = run(*e, r);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.tokens[0], want);
  EXPECT_EQ(o.finish[0], FinishReason::kLength);
  EXPECT_EQ(o.usage.prompt_tokens, 1);
  EXPECT_EQ(o.usage.completion_tokens, static_cast<int32_t>(want.size()));
  EXPECT_EQ(o.text[0], tok_->decode(want).substr(0, o.text[0].size()));
}

// The promise no peer makes: the same request gives the same tokens alone or among 15
// others, greedy or sampled with a seed.
TEST_F(EngineTest, SixteenConcurrentRequestsEqualTheSameRunAlone) {
  std::vector<GenerationRequest> reqs;
  const char* starts[] = {"Once upon a time", "The little dog", "Lily and Tom", "One day a bird"};
  for (int i = 0; i < 16; ++i) {
    reqs.push_back(request(starts[i % 4], 24 + i, i % 2 == 0 ? 0.0f : 0.9f, 100 + static_cast<uint64_t>(i)));
    reqs.back().ignore_eos = true;
  }
  std::unique_ptr<Engine> alone = engine();
  std::vector<Outcome> want;
  for (const GenerationRequest& r : reqs) want.push_back(run(*alone, r));

  EngineParams p;
  p.n_parallel = 16;
  std::unique_ptr<Engine> busy = engine(p);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (const GenerationRequest& r : reqs) {
    Result<std::shared_ptr<RequestStream>> s = busy->submit(r);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    streams.push_back(*s);
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Outcome got = collect(*streams[i], 1);
    ASSERT_TRUE(got.done) << i;
    EXPECT_EQ(got.tokens[0], want[i].tokens[0]) << "request " << i;
    EXPECT_EQ(got.text[0], want[i].text[0]) << "request " << i;
    EXPECT_EQ(got.tokens[0].size(), static_cast<size_t>(24 + i));
  }
  EXPECT_GT(busy->stats().steps_total, 0);
  EXPECT_EQ(busy->stats().kv_blocks_used, 0);
}

TEST_F(EngineTest, SharedPrefixIsServedFromTheCacheWithTheSameOutput) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r = request("Once upon a time there was a little girl named Lily. She loved to play outside "
                                "in the park with her friends and her dog.", 20);
  const Outcome first = run(*e, r);
  const Outcome second = run(*e, r);
  ASSERT_TRUE(first.done && second.done);
  EXPECT_EQ(first.usage.cached_prompt_tokens, 0);
  const int32_t n_prompt = static_cast<int32_t>(r.prompt.size());
  EXPECT_GT(second.usage.cached_prompt_tokens, 0);
  EXPECT_LT(second.usage.cached_prompt_tokens, n_prompt);  // the last token is always evaluated
  EXPECT_GE(second.usage.cached_prompt_tokens, (n_prompt - 1) / 16 * 16);
  EXPECT_EQ(first.tokens[0], second.tokens[0]);
  EXPECT_GT(e->stats().cached_tokens_total, 0);
}

TEST_F(EngineTest, ChoicesShareThePromptAndEachDrawsItsOwnSeed) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest greedy = request("The cat", 16);
  greedy.n = 3;
  greedy.ignore_eos = true;
  const Outcome g = run(*e, greedy);
  ASSERT_TRUE(g.done);
  EXPECT_EQ(g.tokens[0], g.tokens[1]);
  EXPECT_EQ(g.tokens[0], g.tokens[2]);
  EXPECT_EQ(g.usage.completion_tokens, 48);

  GenerationRequest sampled = request("The cat", 16, 1.0f, 7);
  sampled.n = 3;
  sampled.ignore_eos = true;
  const Outcome s = run(*e, sampled);
  for (int32_t i = 0; i < 3; ++i) {
    GenerationRequest one = request("The cat", 16, 1.0f, 7 + static_cast<uint64_t>(i));
    one.ignore_eos = true;
    EXPECT_EQ(run(*e, one).tokens[0], s.tokens[static_cast<size_t>(i)]) << "choice " << i;
  }
  EXPECT_NE(s.tokens[0], s.tokens[1]);
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

TEST_F(EngineTest, StopStringsCutTheTextAndEndTheChoice) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r = request("Once upon a time", 60);
  r.ignore_eos = true;
  const Outcome full = run(*e, r);
  ASSERT_GE(full.text[0].size(), 20u);
  // A stop string from the middle of the greedy text, spanning tokens.
  const std::string stop = full.text[0].substr(10, 6);
  r.stop = {"never appears in stories zzz", stop};
  const Outcome cut = run(*e, r);
  const size_t at = full.text[0].find(stop);
  EXPECT_EQ(cut.text[0], full.text[0].substr(0, at));
  EXPECT_EQ(cut.finish[0], FinishReason::kStop);
  EXPECT_LT(cut.tokens[0].size(), full.tokens[0].size());
}

TEST_F(EngineTest, LogprobsComeFromTheModelsDistribution) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r = request("Once upon a time", 8);
  r.top_logprobs = 5;
  const Outcome o = run(*e, r);
  ASSERT_EQ(o.logprobs[0].size(), o.tokens[0].size());
  for (size_t i = 0; i < o.tokens[0].size(); ++i) {
    const GeneratedTokenLogprobs& lp = o.logprobs[0][i];
    EXPECT_EQ(lp.chosen.token, o.tokens[0][i]);
    EXPECT_LE(lp.chosen.logprob, 0.0f);
    ASSERT_EQ(lp.top.size(), 5u);
    EXPECT_EQ(lp.top[0].token, lp.chosen.token) << "greedy picks the most likely token";
    EXPECT_FLOAT_EQ(lp.top[0].logprob, lp.chosen.logprob);
    for (size_t k = 1; k < lp.top.size(); ++k) EXPECT_GE(lp.top[k - 1].logprob, lp.top[k].logprob);
  }
}

TEST_F(EngineTest, CancelFreesEveryBlock) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r = request("Once upon a time", 400);
  r.ignore_eos = true;
  r.n = 2;
  Result<std::shared_ptr<RequestStream>> s = e->submit(r);
  ASSERT_TRUE(s.ok());
  int deltas = 0;
  const Outcome o = collect(**s, 2, [&](const ChoiceDelta&) {
    if (++deltas == 6) (*s)->cancel();
  });
  EXPECT_TRUE(o.done);
  EXPECT_LT(o.usage.completion_tokens, 800);
  for (int i = 0; i < 50 && e->stats().kv_blocks_used != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
  EXPECT_EQ(e->stats().n_running, 0);
}

TEST_F(EngineTest, ATinyPoolPreemptsAndStillGivesTheSameTokens) {
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 6; ++i) {
    reqs.push_back(request(i % 2 ? "The little dog" : "Once upon a time", 90, 0.8f, 50 + static_cast<uint64_t>(i)));
    reqs.back().ignore_eos = true;
  }
  std::unique_ptr<Engine> alone = engine();
  std::vector<Outcome> want;
  for (const GenerationRequest& r : reqs) want.push_back(run(*alone, r));

  EngineParams p;
  p.n_parallel = 6;
  p.n_ctx = 128;
  p.kv_size = 256;  // 16 blocks for six sequences of ~95 positions: they cannot all fit
  p.max_batch_tokens = 8;  // chunked prefill too
  std::unique_ptr<Engine> tight = engine(p);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (const GenerationRequest& r : reqs) streams.push_back(*tight->submit(r));
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Outcome got = collect(*streams[i], 1);
    ASSERT_TRUE(got.done) << i;
    EXPECT_EQ(got.tokens[0], want[i].tokens[0]) << "request " << i;
  }
  EXPECT_GT(tight->stats().n_preemptions, 0);
  EXPECT_EQ(tight->stats().kv_blocks_used, 0);
}

TEST_F(EngineTest, LengthEndsAtMaxTokensOrAFullContext) {
  EngineParams p;
  p.n_ctx = 32;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time", 5);
  r.ignore_eos = true;
  Outcome o = run(*e, r);
  EXPECT_EQ(o.tokens[0].size(), 5u);
  EXPECT_EQ(o.finish[0], FinishReason::kLength);
  r.max_tokens = -1;  // until the context is full
  o = run(*e, r);
  EXPECT_EQ(o.tokens[0].size() + r.prompt.size(), 32u);
  EXPECT_EQ(o.finish[0], FinishReason::kLength);
}

TEST_F(EngineTest, BadRequestsAreRefusedWithAReason) {
  EngineParams p;
  p.n_ctx = 64;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest ok = request("Once upon a time", 4);
  auto code = [&](GenerationRequest r) { return e->submit(std::move(r)).status().code(); };
  GenerationRequest r = ok;
  r.prompt.clear();
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.prompt.assign(64, 300);
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.max_tokens = 60;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.max_tokens = 0;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.prompt[1] = 100000;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.n = 0;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r.n = 17;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.top_logprobs = 21;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  r = ok;
  r.sampling.top_p = 2.0f;
  EXPECT_EQ(code(r), StatusCode::kInvalidArgument);
  EXPECT_TRUE(run(*e, ok).done);
}

TEST_F(EngineTest, AFullQueueSaysRetryLater) {
  EngineParams p;
  p.n_parallel = 1;
  p.max_queue = 2;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time", 300);
  r.ignore_eos = true;
  std::vector<std::shared_ptr<RequestStream>> accepted;
  Status refused;
  for (int i = 0; i < 8 && refused.ok(); ++i) {
    Result<std::shared_ptr<RequestStream>> s = e->submit(r);
    if (s.ok()) accepted.push_back(*s);
    else refused = s.status();
  }
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.to_string();
  for (auto& s : accepted) s->cancel();
  for (auto& s : accepted) EXPECT_TRUE(collect(*s, 1).done);
}

TEST_F(EngineTest, DrainFinishesWhatIsInFlightThenRefuses) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r = request("Once upon a time", 30);
  r.ignore_eos = true;
  std::shared_ptr<RequestStream> s = *e->submit(r);
  std::thread drainer([&] { e->drain(); });
  const Outcome o = collect(*s, 1);
  drainer.join();
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.tokens[0].size(), 30u);
  EXPECT_EQ(e->submit(r).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace herd
