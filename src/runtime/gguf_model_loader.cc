#include "runtime/gguf_model_loader.h"
#include "runtime/grammar_vocab.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "chat/chat_prompt.h"
#include "chat/chat_template.h"
#include "kv/kv_budget.h"
#include "model/model.h"
#include "runtime/kv_plan.h"
#include "tokenizer/tokenizer.h"

namespace herd {
namespace {

class GgufWeights final : public PooledWeights {
 public:
  GgufWeights(std::unique_ptr<Model> model, std::unique_ptr<Tokenizer> tokenizer)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}
  uint64_t bytes() const override { return model_->gguf().file_size(); }
  const Model& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

class GgufEngine final : public PooledEngine {
 public:
  GgufEngine(std::shared_ptr<const GgufWeights> weights, std::unique_ptr<Engine> engine,
             std::shared_ptr<const chat::Template> chat_template)
      : weights_(std::move(weights)), engine_(std::move(engine)), template_(std::move(chat_template)) {}
  GenerationService& service() override { return *engine_; }
  uint64_t bytes() const override { return engine_->stats().kv_cache_capacity_bytes; }
  const Tokenizer* tokenizer() const override { return &weights_->tokenizer(); }
  std::shared_ptr<const chat::Template> chat_template() const override { return template_; }
  std::shared_ptr<const GrammarVocab> grammar_vocab() const override { return grammar_vocab_.get(*tokenizer()); }

 private:
  std::shared_ptr<const GgufWeights> weights_;  // declared first: outlives the engine
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<const chat::Template> template_;
  LazyGrammarVocab grammar_vocab_;
};

class GgufModelLoader final : public ModelLoader {
 public:
  explicit GgufModelLoader(const GgufLoaderParams& params) : params_(params) {}

  Result<uint64_t> weights_bytes(const ModelSpec& spec) override {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(spec.gguf_path, ec);
    if (ec) return io_error(spec.gguf_path + ": " + ec.message());
    return static_cast<uint64_t>(size);
  }

  Result<std::shared_ptr<PooledWeights>> load_weights(const ModelSpec& spec) override {
    HERD_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::load(spec.gguf_path));
    Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::from_gguf(model->gguf());
    if (!tok.ok()) return tok.status().with_context(spec.gguf_path);
    return std::shared_ptr<PooledWeights>(std::make_shared<GgufWeights>(std::move(model), std::move(tok).value()));
  }

  Result<uint64_t> engine_bytes(const ModelSpec& spec, const PooledWeights& weights) override {
    const Model& model = static_cast<const GgufWeights&>(weights).model();
    HERD_ASSIGN_OR_RETURN(const EngineParams ep, engine_params(spec, model));
    const Hparams& hp = model.hparams();
    return kv_bytes_per_token(hp.n_layer, hp.n_embd_kv(), ep.kv_type_k, ep.kv_type_v) *
           static_cast<uint64_t>(ep.kv_size);
  }

  Result<std::unique_ptr<PooledEngine>> start_engine(const ModelSpec& spec,
                                                     std::shared_ptr<PooledWeights> weights) override {
    auto gguf = std::static_pointer_cast<const GgufWeights>(std::move(weights));
    HERD_ASSIGN_OR_RETURN(const EngineParams ep, engine_params(spec, gguf->model()));
    std::optional<std::string> text = spec.preset.chat_template;
    if (!text) {
      Result<std::string_view> own = gguf->model().gguf().get_string("tokenizer.chat_template");
      text = own.ok() ? std::string(*own) : std::string(chat::kChatMlTemplate);
    }
    Result<chat::Template> parsed = chat::Template::parse(*text);
    if (!parsed.ok()) return invalid_argument("the chat template of '" + spec.id + "': " + parsed.status().message());
    HERD_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::create(gguf->model(), gguf->tokenizer(), ep));
    return std::unique_ptr<PooledEngine>(std::make_unique<GgufEngine>(
        std::move(gguf), std::move(engine), std::make_shared<const chat::Template>(std::move(parsed).value())));
  }

 private:
  // The spec's engine parameters, with its KV pool fixed in positions so that what
  // engine_bytes() reports is what start_engine() takes.
  Result<EngineParams> engine_params(const ModelSpec& spec, const Model& model) const {
    EngineParams ep = params_.engine;
    if (auto it = spec.preset.params.find("num_ctx"); it != spec.preset.params.end() && it->is_number_integer()) {
      const int64_t n_ctx = it->get<int64_t>();
      if (n_ctx < 0 || n_ctx > (1 << 24)) return invalid_argument("the preset of '" + spec.id + "' has a bad num_ctx");
      ep.n_ctx = static_cast<int32_t>(n_ctx);
    }
    const uint64_t available = params_.kv_available > 0 ? params_.kv_available : available_memory_bytes();
    Result<KvPlan> plan = plan_kv(model, ep, available);
    if (!plan.ok()) return plan.status().with_context("model '" + spec.id + "'");
    ep.n_ctx = plan->n_ctx;
    ep.kv_size = plan->n_blocks * ep.kv_block_size;
    return ep;
  }

  const GgufLoaderParams params_;
};

}  // namespace

std::unique_ptr<ModelLoader> make_gguf_model_loader(const GgufLoaderParams& params) {
  return std::make_unique<GgufModelLoader>(params);
}

}  // namespace herd
