// The engine with every KV cache type (F32, the default F16, Q8_0, and K/V of different
// types): batch invariance (a request's tokens do not depend on what else runs, even
// through preemption) and prefix caching with copy-on-write (a cached prompt and forked
// choices give the same tokens). llama-tiny-F16 from the shared reference: head_dim 64,
// so a Q8_0 cache fits (stories260K's head_dim of 8 does not).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "engine_fixture.h"
#include "kv/kv_budget.h"
#include "kv/kv_cache.h"

namespace herd::engine_test {
namespace {

class EngineKvTypesTest : public EngineTest, public ::testing::WithParamInterface<std::tuple<DType, DType>> {
 protected:
  void SetUp() override { load(testing::shared_dir() / "reference" / "logits" / "llama-tiny-F16.gguf"); }
  EngineParams params() const {
    EngineParams p;
    p.kv_type_k = std::get<0>(GetParam());
    p.kv_type_v = std::get<1>(GetParam());
    p.n_ctx = 256;
    return p;
  }
};

TEST_P(EngineKvTypesTest, ConcurrentAndPreemptedRequestsEqualTheSameRunAlone) {
  std::vector<GenerationRequest> reqs;
  const char* starts[] = {"Once upon a time", "The little dog", "Lily and Tom", "One day a bird"};
  for (int i = 0; i < 8; ++i) {
    reqs.push_back(request(starts[i % 4], 40 + i, i % 2 == 0 ? 0.0f : 0.9f, 100 + static_cast<uint64_t>(i)));
    reqs.back().ignore_eos = true;
  }
  std::unique_ptr<Engine> alone = engine(params());
  ASSERT_NE(alone, nullptr);
  std::vector<Outcome> want;
  for (const GenerationRequest& r : reqs) want.push_back(run(*alone, r));

  EngineParams p = params();
  p.n_parallel = 8;
  p.n_ctx = 64;
  p.kv_size = 160;         // 10 blocks for eight sequences of ~50 positions: preemption
  p.max_batch_tokens = 8;  // chunked prefill too
  std::unique_ptr<Engine> busy = engine(p);
  ASSERT_NE(busy, nullptr);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (const GenerationRequest& r : reqs) streams.push_back(*busy->submit(r));
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Outcome got = collect(*streams[i], 1);
    ASSERT_TRUE(got.done) << i;
    EXPECT_EQ(got.tokens[0], want[i].tokens[0]) << "request " << i;
  }
  EXPECT_GT(busy->stats().n_preemptions, 0);
  EXPECT_EQ(busy->stats().kv_blocks_used, 0);
}

TEST_P(EngineKvTypesTest, PrefixCacheAndForkedChoicesGiveTheSameTokens) {
  std::unique_ptr<Engine> e = engine(params());
  ASSERT_NE(e, nullptr);
  // 1 + 40ish tokens: the prompt ends inside a block, so the choices fork it (copy on write).
  GenerationRequest r = request("Once upon a time there was a little girl named Lily. She loved to play outside "
                                "in the park with her friends.", 24);
  r.ignore_eos = true;
  const Outcome first = run(*e, r);
  const Outcome second = run(*e, r);
  ASSERT_TRUE(first.done && second.done);
  EXPECT_EQ(first.usage.cached_prompt_tokens, 0);
  EXPECT_GE(second.usage.cached_prompt_tokens, (static_cast<int32_t>(r.prompt.size()) - 1) / 16 * 16);
  EXPECT_EQ(first.tokens[0], second.tokens[0]);
  r.n = 3;
  const Outcome forked = run(*e, r);
  ASSERT_TRUE(forked.done);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(forked.tokens[i], first.tokens[0]) << "choice " << i;
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

// /metrics' numbers: the types by their llama.cpp names, and the pool's bytes: the blocks
// it has grown to, of the size the types give, within the budget.
TEST_P(EngineKvTypesTest, StatsReportTypesAndBytes) {
  EngineParams p = params();
  p.kv_size = 64 * 16;
  std::unique_ptr<Engine> e = engine(p);
  ASSERT_NE(e, nullptr);
  const Hparams& hp = model_->hparams();
  const uint64_t per_block = 16 * kv_bytes_per_token(hp.n_layer, hp.n_embd_kv(), p.kv_type_k, p.kv_type_v);
  EngineStats s = e->stats();
  EXPECT_EQ(s.kv_type_k, kv_type_name(p.kv_type_k));
  EXPECT_EQ(s.kv_type_v, kv_type_name(p.kv_type_v));
  EXPECT_EQ(s.kv_blocks_total, 64);
  EXPECT_EQ(s.kv_cache_capacity_bytes, 64 * per_block);
  EXPECT_EQ(s.kv_cache_bytes, 0u);  // nothing ran yet: the pool has not grown
  GenerationRequest r = request("Once upon a time", 40);
  r.ignore_eos = true;
  const uint64_t positions = r.prompt.size() + 40 - 1;  // the last token is never evaluated
  ASSERT_TRUE(run(*e, r).done);
  s = e->stats();
  EXPECT_EQ(s.kv_cache_bytes % per_block, 0u);
  EXPECT_GE(s.kv_cache_bytes, (positions + 15) / 16 * per_block);
  EXPECT_LE(s.kv_cache_bytes, ((positions + 15) / 16 + 1) * per_block);  // at most a spare block more
}

INSTANTIATE_TEST_SUITE_P(Types, EngineKvTypesTest,
                         ::testing::Values(std::tuple{DType::kF32, DType::kF32}, std::tuple{DType::kF16, DType::kF16},
                                           std::tuple{DType::kQ8_0, DType::kQ8_0},
                                           std::tuple{DType::kF16, DType::kQ8_0}),
                         [](const ::testing::TestParamInfo<std::tuple<DType, DType>>& info) {
                           std::string name = std::string(kv_type_name(std::get<0>(info.param))) + "_" +
                                              std::string(kv_type_name(std::get<1>(info.param)));
                           return name;
                         });

}  // namespace
}  // namespace herd::engine_test
