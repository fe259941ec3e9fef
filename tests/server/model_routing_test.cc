// Several models behind one server: /v1/models lists them all, a request reaches the
// model it names (loaded on demand), a preset's params and messages shape the request,
// a model that fails to load is a clean error, and /metrics labels series by model.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "chat/chat_prompt.h"
#include "http_fixture.h"
#include "runtime/model_pool.h"
#include "server/http_server.h"
#include "server_test_util.h"

namespace herd::server {
namespace {

using nlohmann::json;
using testing::FakeService;
using testing::qwen2_tokenizer;

// Every engine is a FakeService over the Qwen2 vocab with ChatML; the test reads what
// each one was asked.
struct Engines {
  std::mutex mu;
  std::map<std::string, FakeService*> by_id;
  std::set<std::string> failing;  // spec ids whose engine fails to start

  std::vector<GenerationRequest> requests(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return by_id.count(id) > 0 ? by_id[id]->requests() : std::vector<GenerationRequest>{};
  }
};

class FakeServed final : public PooledEngine {
 public:
  FakeServed() {
    Result<chat::Template> t = chat::Template::parse(chat::kChatMlTemplate);
    template_ = std::make_shared<const chat::Template>(std::move(t).value());
  }
  GenerationService& service() override { return service_; }
  uint64_t bytes() const override { return 0; }
  const Tokenizer* tokenizer() const override { return qwen2_tokenizer(); }
  std::shared_ptr<const chat::Template> chat_template() const override { return template_; }
  FakeService service_;

 private:
  std::shared_ptr<const chat::Template> template_;
};

struct NoWeights final : PooledWeights {
  uint64_t bytes() const override { return 0; }
};

class FakeServedLoader final : public ModelLoader {
 public:
  explicit FakeServedLoader(Engines* e) : e_(e) {}
  Result<uint64_t> weights_bytes(const ModelSpec&) override { return uint64_t{0}; }
  Result<std::shared_ptr<PooledWeights>> load_weights(const ModelSpec&) override {
    return std::shared_ptr<PooledWeights>(std::make_shared<NoWeights>());
  }
  Result<uint64_t> engine_bytes(const ModelSpec&, const PooledWeights&) override { return uint64_t{0}; }
  Result<std::unique_ptr<PooledEngine>> start_engine(const ModelSpec& spec, std::shared_ptr<PooledWeights>) override {
    std::lock_guard<std::mutex> lock(e_->mu);
    if (e_->failing.count(spec.id) > 0) return corrupt_file("tensor 'blk.0.attn_q.weight' is truncated");
    auto engine = std::make_unique<FakeServed>();
    e_->by_id[spec.id] = &engine->service_;
    return std::unique_ptr<PooledEngine>(std::move(engine));
  }

 private:
  Engines* e_;
};

class ModelRoutingTest : public testing::HttpServerTest {
 protected:
  void start_pool(std::vector<ModelSpec> specs) {
    pool_ = std::make_unique<ModelPool>(ModelPoolParams{}, std::make_unique<FakeServedLoader>(&engines_),
                                        std::move(specs));
    start(nullptr, {}, /*ready=*/false);
    server_->set_pool(pool_.get());
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    server_.reset();
    pool_.reset();
  }

  Engines engines_;
  std::unique_ptr<ModelPool> pool_;
};

ModelSpec spec(const std::string& id, const std::string& path) {
  ModelSpec s;
  s.id = id;
  s.gguf_path = path;
  return s;
}

ModelSpec preset_spec() {
  ModelSpec s = spec("helper", "/base.gguf");
  s.names = {"library/helper:latest"};
  s.preset.system = "Be brief.";
  s.preset.params = {{"temperature", 0.25}, {"stop", json::array({"END"})}, {"num_predict", 7}, {"num_ctx", 64}};
  s.preset.messages = {{"user", "Say A."}, {"assistant", "A."}};
  return s;
}

TEST_F(ModelRoutingTest, ListsEveryModelAndSendsEachRequestToTheModelItNames) {
  start_pool({spec("base", "/base.gguf"), preset_spec(), spec("other", "/other.gguf")});
  httplib::Result m = client().Get("/v1/models");
  ASSERT_TRUE(m);
  const json models = json::parse(m->body);
  ASSERT_EQ(models["data"].size(), 3u) << m->body;
  EXPECT_EQ(models["data"][1]["id"], "helper");
  EXPECT_EQ(client().Get("/v1/models/library/helper:latest")->status, 200);
  EXPECT_EQ(client().Get("/v1/models/nope")->status, 404);

  httplib::Result r = post("/v1/chat/completions", R"({"model": "other", "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["model"], "other");
  EXPECT_EQ(engines_.requests("other").size(), 1u);
  EXPECT_TRUE(engines_.requests("base").empty());  // never asked for: never loaded

  httplib::Result missing = post("/v1/chat/completions", R"({"model": "nope", "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(error_of(missing)["param"], "model");
  EXPECT_EQ(error_of(missing)["code"], "model_not_found");

  const std::string metrics = client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("herd_models_loaded 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("herd_model_loads_total{model=\"other\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("herd_model_loads_total{model=\"base\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("herd_completion_tokens_total{model=\"other\"} 2"), std::string::npos) << metrics;
}

TEST_F(ModelRoutingTest, APresetsParamsAreDefaultsAndItsMessagesComeFirst) {
  start_pool({preset_spec()});
  ASSERT_EQ(post("/v1/chat/completions", R"({"model": "library/helper:latest", "messages": [
                   {"role": "system", "content": "Answer in French."}, {"role": "user", "content": "hi"}]})")
                ->status,
            200);
  ASSERT_EQ(post("/v1/chat/completions", R"({"model": "helper", "temperature": 0.9, "stop": [], "max_tokens": 3,
                   "messages": [{"role": "user", "content": "hi"}]})")
                ->status,
            200);
  const std::vector<GenerationRequest> seen = engines_.requests("helper");
  ASSERT_EQ(seen.size(), 2u);
  // The preset's params where the request sets nothing...
  EXPECT_FLOAT_EQ(seen[0].sampling.temperature, 0.25f);
  EXPECT_EQ(seen[0].stop, std::vector<std::string>{"END"});
  EXPECT_EQ(seen[0].max_tokens, 7);
  // ... and the request's own where it does.
  EXPECT_FLOAT_EQ(seen[1].sampling.temperature, 0.9f);
  EXPECT_TRUE(seen[1].stop.empty());
  EXPECT_EQ(seen[1].max_tokens, 3);
  // The preset's system prompt, then the request's, in one system turn; then the
  // few-shot turns; then the request's messages.
  const std::string prompt = qwen2_tokenizer()->decode(seen[0].prompt);
  const size_t system = prompt.find("Be brief.\n\nAnswer in French.");
  const size_t shot = prompt.find("Say A.");
  const size_t user = prompt.find("hi");
  ASSERT_NE(system, std::string::npos) << prompt;
  ASSERT_NE(shot, std::string::npos) << prompt;
  EXPECT_LT(system, shot) << prompt;
  EXPECT_LT(shot, prompt.find("hi", shot)) << prompt;
  EXPECT_NE(user, std::string::npos);
  EXPECT_EQ(prompt.find("<|im_start|>system", system + 1), std::string::npos) << "one system turn: " << prompt;
}

TEST_F(ModelRoutingTest, AModelThatFailsToLoadIsACleanErrorAndTheOthersServe) {
  engines_.failing.insert("broken");
  start_pool({spec("broken", "/broken.gguf"), spec("fine", "/fine.gguf")});
  httplib::Result r = post("/v1/completions", R"({"model": "broken", "prompt": "hi"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  const json error = error_of(r);
  EXPECT_NE(error["message"].get<std::string>().find("could not be loaded"), std::string::npos) << r->body;
  EXPECT_NE(error["message"].get<std::string>().find("truncated"), std::string::npos) << r->body;
  EXPECT_EQ(post("/v1/completions", R"({"model": "fine", "prompt": "hi"})")->status, 200);
  EXPECT_EQ(client().Get("/health")->status, 200);
}

TEST_F(ModelRoutingTest, KeepAliveIsCheckedAndTokenizeNamesItsModel) {
  start_pool({spec("base", "/base.gguf"), spec("other", "/other.gguf")});
  httplib::Result bad = post("/v1/completions", R"({"model": "base", "prompt": "hi", "keep_alive": "soon"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(error_of(bad)["param"], "keep_alive");
  EXPECT_EQ(post("/v1/completions", R"({"model": "base", "prompt": "hi", "keep_alive": "5m"})")->status, 200);
  EXPECT_EQ(post("/v1/completions", R"({"model": "base", "prompt": "hi", "keep_alive": -1})")->status, 200);
  httplib::Result t = post("/tokenize", R"({"model": "other", "content": "Hello"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->status, 200) << t->body;
  EXPECT_EQ(post("/tokenize", R"({"model": "nope", "content": "Hello"})")->status, 404);
}

}  // namespace
}  // namespace herd::server
