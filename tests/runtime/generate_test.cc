#include "runtime/generate.h"

#include <gtest/gtest.h>

#include "../support/shared_data.h"
#include "model/model.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class StoriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path path = testing::shared_dir() / "models" / "stories260K.gguf";
    ASSERT_TRUE(fs::exists(path)) << "no " << path;
    Result<std::unique_ptr<Model>> m = Model::load(path.string());
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    model_ = std::move(m).value();
    Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(model_->gguf());
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    tok_ = std::move(t).value();
  }

  std::unique_ptr<Context> context(int32_t n_ctx, int32_t n_threads = 2) {
    Result<std::unique_ptr<Context>> ctx = Context::create(*model_, {n_ctx, 512, n_threads});
    EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }

  GenerateParams greedy(int32_t n) {
    GenerateParams p;
    p.n_predict = n;
    p.sampling.temperature = 0.0f;
    return p;
  }

  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tok_;
};

TEST_F(StoriesTest, Greedy200FromBosMatchesGolden) {
  const nlohmann::json golden = testing::read_json(testing::shared_dir() / "models" / "stories260K.greedy200.json");
  const std::vector<int32_t> input = golden["input_ids"];
  const std::vector<int32_t> want = golden["generated_ids"];
  for (int32_t threads : {1, 2}) {
    std::unique_ptr<Context> ctx = context(512, threads);
    std::vector<int32_t> got;
    Result<GenerateStats> stats = generate(*ctx, input, greedy(static_cast<int32_t>(want.size())), [&](int32_t id) {
      got.push_back(id);
      return true;
    });
    ASSERT_TRUE(stats.ok()) << stats.status().to_string();
    EXPECT_EQ(got, want) << "threads " << threads;
    EXPECT_EQ(stats->n_generated, static_cast<int32_t>(want.size()));
    EXPECT_EQ(stats->stop, StopReason::kLength);
  }
}

TEST_F(StoriesTest, TextPromptsTokenizeAsReference) {
  const nlohmann::json j = testing::read_json(testing::shared_dir() / "reference" / "logits" / "stories260K.json");
  int checked = 0;
  for (const auto& seq : j["sequences"]) {
    if (seq["kind"] != "text") continue;
    const std::vector<int32_t> want = seq["tokens"];
    EXPECT_EQ(tok_->encode(seq["text"].get<std::string>(), true, false), want) << seq["text"];
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(StoriesTest, GreedyStoryReadsAsText) {
  std::unique_ptr<Context> ctx = context(256);
  StreamingDecoder dec(*tok_);
  std::string text;
  const std::vector<int32_t> prompt = tok_->encode("Once upon a time", true, false);
  for (int32_t id : prompt) text += dec.push(id);
  ASSERT_TRUE(generate(*ctx, prompt, greedy(20), [&](int32_t id) {
    text += dec.push(id);
    return true;
  }).ok());
  text += dec.finish();
  EXPECT_EQ(text.rfind("Once upon a time", 0), 0u) << text;
  EXPECT_GT(text.size(), 60u) << text;
}

TEST_F(StoriesTest, StopsAtEndOfGeneration) {
  std::unique_ptr<Context> ctx = context(512);
  // Greedy from BOS: the golden says which token comes third; make it the "EOS".
  const nlohmann::json golden = testing::read_json(testing::shared_dir() / "models" / "stories260K.greedy200.json");
  GenerateParams p = greedy(100);
  p.eos_id = golden["generated_ids"][2];
  int n = 0;
  Result<GenerateStats> stats = generate(*ctx, std::vector<int32_t>{1}, p, [&](int32_t) { return ++n, true; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->stop, StopReason::kEndOfGeneration);
  EXPECT_EQ(stats->n_generated, 3);
}

TEST_F(StoriesTest, StopsWhenCallbackSaysSo) {
  std::unique_ptr<Context> ctx = context(512);
  int n = 0;
  Result<GenerateStats> stats = generate(*ctx, std::vector<int32_t>{1}, greedy(100), [&](int32_t) { return ++n < 5; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->stop, StopReason::kCallback);
  EXPECT_EQ(n, 5);
}

TEST_F(StoriesTest, StopsWhenContextIsFull) {
  std::unique_ptr<Context> ctx = context(16);
  Result<GenerateStats> stats = generate(*ctx, std::vector<int32_t>{1, 403}, greedy(-1), [](int32_t) { return true; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->stop, StopReason::kContextFull);
  EXPECT_EQ(ctx->n_past(), 16);
}

TEST_F(StoriesTest, RejectsBadInput) {
  std::unique_ptr<Context> ctx = context(8);
  EXPECT_EQ(generate(*ctx, std::vector<int32_t>{}, greedy(1), [](int32_t) { return true; }).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(generate(*ctx, std::vector<int32_t>{1, 512}, greedy(1), [](int32_t) { return true; }).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(generate(*ctx, std::vector<int32_t>(9, 1), greedy(1), [](int32_t) { return true; }).status().code(),
            StatusCode::kOutOfRange);
  GenerateParams bad = greedy(1);
  bad.sampling.top_p = 2.0f;
  EXPECT_EQ(generate(*ctx, std::vector<int32_t>{1}, bad, [](int32_t) { return true; }).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(StoriesTest, SameSeedSameTokens) {
  auto sample = [&](uint64_t seed) {
    std::unique_ptr<Context> ctx = context(128);
    GenerateParams p;
    p.n_predict = 40;
    p.sampling.temperature = 1.0f;
    p.sampling.seed = seed;
    std::vector<int32_t> got;
    EXPECT_TRUE(generate(*ctx, std::vector<int32_t>{1}, p, [&](int32_t id) { return got.push_back(id), true; }).ok());
    return got;
  };
  EXPECT_EQ(sample(7), sample(7));
  EXPECT_NE(sample(7), sample(8));
}

}  // namespace
}  // namespace herd
