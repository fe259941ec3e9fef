// The terminal commands' generation (herd run, herd chat) on the serving engine:
// greedy output matches the reference continuation, and every stop reason.
#include "cli/engine_answer.h"

#include <gtest/gtest.h>

#include <atomic>

#include "../support/shared_data.h"
#include "cli/cli_support.h"
#include "model/model.h"
#include "sampling/sampling_params.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

namespace fs = std::filesystem;

class EngineAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path path = herd::testing::shared_dir() / "models" / "stories260K.gguf";
    ASSERT_TRUE(fs::exists(path)) << "no " << path;
    Result<LoadedModel> loaded = load_model_and_tokenizer(path.string());
    ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
    loaded_ = std::move(loaded).value();
  }

  std::unique_ptr<Engine> engine(int32_t n_ctx = 0, int32_t n_threads = 2) {
    GenerationOptions gen;
    gen.n_ctx = n_ctx;
    gen.n_threads = n_threads;
    Result<std::unique_ptr<Engine>> e = create_terminal_engine(*loaded_.model, *loaded_.tokenizer, gen);
    EXPECT_TRUE(e.ok()) << e.status().to_string();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  static SamplingParams greedy() {
    SamplingParams s;
    s.temperature = 0.0f;
    return s;
  }

  Result<Answer> answer(Engine& e, std::vector<int32_t> prompt, int32_t n, const SamplingParams& s = greedy(),
                        std::function<bool()> stop = nullptr) {
    std::vector<int32_t> streamed;
    Result<Answer> a = generate_answer(
        e, std::move(prompt), n, s, [&](std::span<const int32_t> ids) { streamed.insert(streamed.end(), ids.begin(), ids.end()); },
        std::move(stop));
    if (a.ok()) {
      EXPECT_EQ(streamed, a->tokens);
    }
    return a;
  }

  LoadedModel loaded_;
};

TEST_F(EngineAnswerTest, Greedy200FromBosMatchesGolden) {
  const nlohmann::json golden =
      herd::testing::read_json(herd::testing::shared_dir() / "models" / "stories260K.greedy200.json");
  const std::vector<int32_t> input = golden["input_ids"];
  const std::vector<int32_t> want = golden["generated_ids"];
  for (int32_t threads : {1, 2}) {
    std::unique_ptr<Engine> e = engine(512, threads);
    ASSERT_TRUE(e);
    Result<Answer> a = answer(*e, input, static_cast<int32_t>(want.size()));
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    EXPECT_EQ(a->tokens, want) << "threads " << threads;
    EXPECT_EQ(a->n_generated, static_cast<int32_t>(want.size()));
    EXPECT_STREQ(a->stop, "length");
  }
}

TEST_F(EngineAnswerTest, TextPromptsTokenizeAsReference) {
  const nlohmann::json j =
      herd::testing::read_json(herd::testing::shared_dir() / "reference" / "logits" / "stories260K.json");
  int checked = 0;
  for (const auto& seq : j["sequences"]) {
    if (seq["kind"] != "text") continue;
    const std::vector<int32_t> want = seq["tokens"];
    EXPECT_EQ(loaded_.tokenizer->encode(seq["text"].get<std::string>(), true, false), want) << seq["text"];
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(EngineAnswerTest, StopsWhenTheContextIsFull) {
  // Greedy from BOS runs 200 tokens without an end (the golden above).
  std::unique_ptr<Engine> e = engine(16);
  ASSERT_TRUE(e);
  for (int32_t n : {-1, 100}) {  // unbounded, or more than the context holds
    Result<Answer> a = answer(*e, {1}, n);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    EXPECT_STREQ(a->stop, "context full");
    EXPECT_EQ(a->n_prompt + a->n_generated, 16);
  }
  // Exactly what fits is a length stop.
  Result<Answer> a = answer(*e, {1}, 15);
  ASSERT_TRUE(a.ok());
  EXPECT_STREQ(a->stop, "length");
  EXPECT_EQ(a->n_generated, 15);
}

TEST_F(EngineAnswerTest, StopRequestCancels) {
  std::unique_ptr<Engine> e = engine(512);
  ASSERT_TRUE(e);
  std::atomic<int> polls{0};
  Result<Answer> a = answer(*e, {1}, 400, greedy(), [&] { return ++polls > 3; });
  ASSERT_TRUE(a.ok());
  EXPECT_STREQ(a->stop, "cancelled");
  EXPECT_LT(a->tokens.size(), 400u);
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

TEST_F(EngineAnswerTest, PromptOnlyAndBadPrompts) {
  std::unique_ptr<Engine> e = engine(8);
  ASSERT_TRUE(e);
  Result<Answer> none = answer(*e, {1, 403}, 0);
  ASSERT_TRUE(none.ok()) << none.status().to_string();
  EXPECT_EQ(none->n_generated, 0);
  EXPECT_TRUE(none->tokens.empty());
  EXPECT_EQ(answer(*e, {}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(answer(*e, {1, 512}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(answer(*e, std::vector<int32_t>(9, 1), 1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineAnswerTest, SameSeedSameTokens) {
  std::unique_ptr<Engine> e = engine(128);
  ASSERT_TRUE(e);
  auto sample = [&](uint64_t seed) {
    SamplingParams s;
    s.temperature = 1.0f;
    s.seed = seed;
    Result<Answer> a = answer(*e, {1}, 40, s);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->tokens : std::vector<int32_t>{};
  };
  EXPECT_EQ(sample(7), sample(7));
  EXPECT_NE(sample(7), sample(8));
}

}  // namespace
}  // namespace herd::cli
