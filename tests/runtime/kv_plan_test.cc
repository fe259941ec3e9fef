// Sizing the engine's KV pool: the training context by default, the pool from
// n_parallel x n_ctx within a memory budget (explicit, or a share of the free memory),
// and a clear refusal when one sequence cannot fit.
#include "runtime/kv_plan.h"

#include <gtest/gtest.h>

#include "../support/shared_data.h"
#include "../support/shared_model.h"
#include "kv/kv_budget.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class KvPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path path = testing::shared_dir() / "reference" / "logits" / "llama-tiny-F16.gguf";
    model_ = testing::load_shared_model(path);
    ASSERT_NE(model_, nullptr);
    const Hparams& hp = model_->hparams();
    f16_token_ = kv_bytes_per_token(hp.n_layer, hp.n_embd_kv(), DType::kF16, DType::kF16);
  }
  std::unique_ptr<Model> model_;
  uint64_t f16_token_ = 0;
  static constexpr uint64_t kPlenty = uint64_t{1} << 40;
};

TEST_F(KvPlanTest, DefaultsToTheTrainingContextForEverySequence) {
  EngineParams p;
  p.n_parallel = 3;
  Result<KvPlan> plan = plan_kv(*model_, p, kPlenty);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->n_ctx, model_->hparams().n_ctx_train);
  EXPECT_EQ(plan->n_blocks, 3 * plan->n_ctx / 16 + 1);
}

TEST_F(KvPlanTest, AutoBudgetIsAShareOfTheMemoryLeftAfterTheModel) {
  EngineParams p;
  p.n_parallel = 16;
  p.n_ctx = 256;
  const uint64_t model_bytes = model_->gguf().file_size();
  // Room for 40 blocks (x 4/3, the share) once the model is resident.
  const uint64_t avail = model_bytes + static_cast<uint64_t>(40 * 16 * f16_token_ / kKvShareOfFree) + 1;
  Result<KvPlan> plan = plan_kv(*model_, p, avail);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->n_ctx, 256);
  EXPECT_EQ(plan->n_blocks, 40);  // fewer than 16 x 256 positions: the scheduler waits or preempts
}

TEST_F(KvPlanTest, AnExplicitBudgetIsHonouredAndTheF16PoolHoldsTwiceTheF32One) {
  EngineParams p;
  p.n_parallel = 4;
  p.n_ctx = 128;
  p.kv_memory_bytes = 100 * 16 * f16_token_;
  Result<KvPlan> f16 = plan_kv(*model_, p, kPlenty);
  ASSERT_TRUE(f16.ok());
  EXPECT_EQ(f16->n_blocks, 100);
  p.kv_type_k = p.kv_type_v = DType::kF32;
  Result<KvPlan> f32 = plan_kv(*model_, p, kPlenty);
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(f32->n_blocks, 50);
}

TEST_F(KvPlanTest, ShortMemoryShrinksADefaultContextButRefusesAnExplicitOne) {
  EngineParams p;
  const uint64_t model_bytes = model_->gguf().file_size();
  const uint64_t avail = model_bytes + static_cast<uint64_t>(12 * 16 * f16_token_ / kKvShareOfFree) + 1;
  Result<KvPlan> plan = plan_kv(*model_, p, avail);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->n_ctx, 11 * 16);  // 12 blocks: one sequence and the spare
  EXPECT_EQ(plan->n_blocks, 12);
  p.n_ctx = 400;
  Result<KvPlan> refused = plan_kv(*model_, p, avail);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--kv-memory"), std::string::npos) << refused.status().message();
  p.kv_memory_bytes = 5 * 16 * f16_token_;  // explicit and too small
  EXPECT_FALSE(plan_kv(*model_, p, kPlenty).ok());
}

}  // namespace
}  // namespace herd
