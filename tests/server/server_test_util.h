// Shared by the server tests: a real tokenizer (the Qwen2 vocab from the shared test
// files, which has ChatML's special tokens) and a scripted fake engine.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gguf/gguf_file.h"
#include "runtime/generation_service.h"
#include "server/served_model.h"
#include "tokenizer/tokenizer.h"

namespace herd::server::testing {

inline const Tokenizer* qwen2_tokenizer() {
  static const Tokenizer* tok = [] () -> const Tokenizer* {
    Result<std::unique_ptr<GgufFile>> f = GgufFile::open(std::string(HERD_SHARED_DIR) + "/models/vocab/ggml-vocab-qwen2.gguf");
    if (!f.ok()) return nullptr;
    Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(**f);
    if (!t.ok()) return nullptr;
    static std::unique_ptr<GgufFile> file = std::move(f).value();  // the tokenizer may view it
    return std::move(t).value().release();
  }();
  return tok;
}

inline ServedModel test_model() {
  Result<ServedModel> m = make_served_model("test-model", *qwen2_tokenizer(), std::nullopt);
  return std::move(m).value();
}

// A GenerationService whose requests play a script on their own thread. The default
// script answers every choice with "Hel" + "lo" (tokens 1 and 2) and finishes "stop".
class FakeService : public GenerationService {
 public:
  using Script = std::function<void(const GenerationRequest&, RequestStream&)>;

  static void say_hello(const GenerationRequest& r, RequestStream& s) {
    for (int32_t i = 0; i < r.n; ++i) {
      ChoiceDelta a;
      a.index = i;
      a.text = "Hel";
      a.tokens = {1};
      if (r.top_logprobs >= 0) a.logprobs = {{{1, -0.5f}, {{1, -0.5f}, {2, -1.5f}}}};
      s.push(a);
      ChoiceDelta b;
      b.index = i;
      b.text = "lo";
      b.tokens = {2};
      if (r.top_logprobs >= 0) b.logprobs = {{{2, -0.25f}, {}}};
      b.finish = FinishReason::kStop;
      s.push(b);
    }
    s.push(RequestDone{{static_cast<int32_t>(r.prompt.size()), 2 * r.n, 0}});
  }

  explicit FakeService(Script script = say_hello, int capacity = 8) : script_(std::move(script)), capacity_(capacity) {}
  ~FakeService() override { drain(); }

  Result<std::shared_ptr<RequestStream>> submit(GenerationRequest request) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return unavailable("draining");
    if (active_.load() >= capacity_) return resource_exhausted("the queue is full");
    ++active_;
    requests_.push_back(request);
    auto stream = std::make_shared<RequestStream>();
    threads_.emplace_back([this, request = std::move(request), stream] {
      script_(request, *stream);
      --active_;
    });
    return stream;
  }

  EngineStats stats() const override {
    EngineStats s;
    s.n_waiting = 3;
    s.kv_blocks_total = 100;
    s.kv_blocks_used = 7;
    return s;
  }
  int32_t n_ctx() const override { return 64; }
  int32_t n_vocab() const override { return qwen2_tokenizer()->vocab().n_tokens(); }

  void drain() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      draining_ = true;
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }

  std::vector<GenerationRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int active() const { return active_.load(); }

 private:
  Script script_;
  int capacity_;
  std::mutex mu_;
  bool draining_ = false;
  std::atomic<int> active_{0};
  std::vector<GenerationRequest> requests_;
  std::vector<std::thread> threads_;
};

}  // namespace herd::server::testing
