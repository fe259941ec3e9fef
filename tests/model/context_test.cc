#include "model/context.h"

#include <gtest/gtest.h>

#include "../support/shared_data.h"
#include "../support/shared_model.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path path = testing::shared_dir() / "reference" / "logits" / "llama-tiny-F16.gguf";
    model_ = testing::load_shared_model(path);
    ASSERT_NE(model_, nullptr);
  }

  std::unique_ptr<Context> make(ContextParams p) {
    Result<std::unique_ptr<Context>> ctx = Context::create(*model_, p);
    EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }

  std::vector<float> all_logits(Context& ctx, const std::vector<int32_t>& ids) {
    EXPECT_TRUE(ctx.eval(ids, true).ok());
    std::vector<float> out;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto row = ctx.logits(static_cast<int64_t>(i));
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }

  std::unique_ptr<Model> model_;
  const std::vector<int32_t> ids_ = {1, 478, 133, 17, 245, 471, 79, 488, 59, 377, 72};
};

TEST_F(ContextTest, SmallBatchesGiveTheSameLogitsAsOneBatch) {
  std::unique_ptr<Context> one = make({64, 512, 1});
  std::unique_ptr<Context> chunked = make({64, 3, 1});
  const std::vector<float> a = all_logits(*one, ids_);
  const std::vector<float> b = all_logits(*chunked, ids_);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4f) << i;
}

TEST_F(ContextTest, TokenByTokenMatchesTheBatch) {
  std::unique_ptr<Context> batch = make({64, 512, 2});
  std::unique_ptr<Context> steps = make({64, 512, 2});
  const std::vector<float> a = all_logits(*batch, ids_);
  const size_t n_vocab = static_cast<size_t>(model_->hparams().n_vocab);
  for (size_t i = 0; i < ids_.size(); ++i) {
    const int32_t one[1] = {ids_[i]};
    ASSERT_TRUE(steps->eval(one, false).ok());
    auto row = steps->last_logits();
    for (size_t v = 0; v < n_vocab; ++v) ASSERT_NEAR(row[v], a[i * n_vocab + v], 1e-4f) << i << " " << v;
  }
}

TEST_F(ContextTest, ThreadCountDoesNotChangeTheResult) {
  std::vector<float> first;
  for (int32_t threads : {1, 2, 3, 5}) {
    std::unique_ptr<Context> ctx = make({64, 512, threads});
    EXPECT_EQ(ctx->n_threads(), threads);
    const std::vector<float> got = all_logits(*ctx, ids_);
    if (first.empty()) {
      first = got;
    } else {
      EXPECT_EQ(got, first) << threads << " threads";  // rows are split, never reduced across threads
    }
  }
}

TEST_F(ContextTest, ClearStartsOver) {
  std::unique_ptr<Context> ctx = make({64, 512, 2});
  const std::vector<float> a = all_logits(*ctx, ids_);
  EXPECT_EQ(ctx->n_past(), static_cast<int32_t>(ids_.size()));
  ctx->clear();
  EXPECT_EQ(ctx->n_past(), 0);
  EXPECT_EQ(all_logits(*ctx, ids_), a);
}

TEST_F(ContextTest, RejectsBadInputWithoutChangingState) {
  std::unique_ptr<Context> ctx = make({8, 512, 1});
  EXPECT_EQ(ctx->eval(std::vector<int32_t>{}, false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ctx->eval(std::vector<int32_t>{1, -1}, false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ctx->eval(std::vector<int32_t>{1, 512}, false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ctx->eval(std::vector<int32_t>(9, 1), false).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ctx->n_past(), 0);
  ASSERT_TRUE(ctx->eval(std::vector<int32_t>(8, 1), false).ok());
  EXPECT_EQ(ctx->eval(std::vector<int32_t>{1}, false).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(ctx->logits(1).empty()) << "only the last row is kept without all_logits";
  EXPECT_EQ(ctx->last_logits().size(), 512u);
}

TEST_F(ContextTest, RejectsBadParams) {
  EXPECT_EQ(Context::create(*model_, {-1, 512, 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Context::create(*model_, {8, 0, 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Context::create(*model_, {8, 512, -3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Context::create(*model_, {1 << 30, 512, 1}).status().code(), StatusCode::kResourceExhausted);
}

TEST_F(ContextTest, DefaultContextIsTheTrainingContext) {
  std::unique_ptr<Context> ctx = make({0, 512, 1});
  EXPECT_EQ(ctx->n_ctx(), model_->hparams().n_ctx_train);
}

}  // namespace
}  // namespace herd
