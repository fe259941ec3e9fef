// The fixture the engine tests share: stories260K loaded once per test, engines with
// two threads, plain requests, and collect() which reads a stream to its end.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../support/shared_data.h"
#include "../support/shared_model.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "tokenizer/tokenizer.h"

namespace herd::engine_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Everything one request produced, per choice.
struct Outcome {
  std::vector<std::vector<int32_t>> tokens;
  std::vector<std::string> text;
  std::vector<std::optional<FinishReason>> finish;
  std::vector<std::vector<GeneratedTokenLogprobs>> logprobs;
  Usage usage;
  bool done = false;
  std::optional<Status> failed;
};

inline Outcome collect(RequestStream& s, int32_t n, std::function<void(const ChoiceDelta&)> on_delta = nullptr) {
  Outcome o;
  o.tokens.resize(static_cast<size_t>(n));
  o.text.resize(static_cast<size_t>(n));
  o.finish.resize(static_cast<size_t>(n));
  o.logprobs.resize(static_cast<size_t>(n));
  for (;;) {
    std::optional<RequestEvent> e = s.next(30s);
    if (!e) {
      ADD_FAILURE() << "no event within 30 s";
      return o;
    }
    if (auto* d = std::get_if<ChoiceDelta>(&*e)) {
      const size_t i = static_cast<size_t>(d->index);
      EXPECT_FALSE(o.finish[i].has_value()) << "a delta after the choice finished";
      o.tokens[i].insert(o.tokens[i].end(), d->tokens.begin(), d->tokens.end());
      o.text[i] += d->text;
      o.finish[i] = d->finish;
      o.logprobs[i].insert(o.logprobs[i].end(), d->logprobs.begin(), d->logprobs.end());
      if (on_delta) on_delta(*d);
    } else if (auto* done = std::get_if<RequestDone>(&*e)) {
      o.usage = done->usage;
      o.done = true;
      return o;
    } else {
      o.failed = std::get<RequestFailed>(*e).status;
      return o;
    }
  }
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { load(testing::shared_dir() / "models" / "stories260K.gguf"); }

  // The model and its tokenizer (model_, tok_) from a shared file.
  void load(const fs::path& path) {
    model_ = testing::load_shared_model(path);
    ASSERT_NE(model_, nullptr);
    Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(model_->gguf());
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    tok_ = std::move(t).value();
  }

  std::unique_ptr<Engine> engine(EngineParams p = {}, const Tokenizer* tok = nullptr) {
    if (p.n_threads == 0) p.n_threads = 2;
    Result<std::unique_ptr<Engine>> e = Engine::create(*model_, tok ? *tok : *tok_, p);
    EXPECT_TRUE(e.ok()) << e.status().to_string();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  GenerationRequest request(const std::string& text, int32_t max_tokens, float temperature = 0.0f, uint64_t seed = 1) {
    GenerationRequest r;
    r.prompt = tok_->encode(text, /*add_special=*/true, /*parse_special=*/false);
    r.max_tokens = max_tokens;
    r.sampling.temperature = temperature;
    r.sampling.top_k = 0;
    r.sampling.top_p = 1.0f;
    r.sampling.min_p = 0.0f;
    r.sampling.seed = seed;
    return r;
  }

  Outcome run(Engine& e, GenerationRequest r) {
    const int32_t n = r.n;
    Result<std::shared_ptr<RequestStream>> s = e.submit(std::move(r));
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    if (!s.ok()) return {};
    return collect(**s, n);
  }

  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tok_;
};

}  // namespace herd::engine_test
