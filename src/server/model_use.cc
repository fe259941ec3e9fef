// From a request's model name to a loaded model: the pool's lease and the ServedModel
// the handlers use; and the pool that wraps a single engine someone else started.
#include <utility>

#include "runtime/grammar_vocab.h"
#include "server/server_state.h"

namespace herd::server {
namespace {

// An engine that already runs, as a pool entry. Its memory is not the pool's to count.
class RunningEngine final : public PooledEngine {
 public:
  RunningEngine(GenerationService* service, const ServedModel& model) : service_(service), model_(model) {}
  GenerationService& service() override { return *service_; }
  uint64_t bytes() const override { return 0; }
  const Tokenizer* tokenizer() const override { return model_.tokenizer; }
  std::shared_ptr<const chat::Template> chat_template() const override { return model_.chat_template; }
  std::shared_ptr<const GrammarVocab> grammar_vocab() const override {
    return model_.tokenizer != nullptr ? grammar_vocab_.get(*model_.tokenizer) : nullptr;
  }

 private:
  GenerationService* service_;
  ServedModel model_;
  LazyGrammarVocab grammar_vocab_;
};

class NoWeights final : public PooledWeights {
 public:
  uint64_t bytes() const override { return 0; }
};

class RunningEngineLoader final : public ModelLoader {
 public:
  RunningEngineLoader(GenerationService* service, ServedModel model) : service_(service), model_(std::move(model)) {}
  Result<uint64_t> weights_bytes(const ModelSpec&) override { return uint64_t{0}; }
  Result<std::shared_ptr<PooledWeights>> load_weights(const ModelSpec&) override {
    return std::shared_ptr<PooledWeights>(std::make_shared<NoWeights>());
  }
  Result<uint64_t> engine_bytes(const ModelSpec&, const PooledWeights&) override { return uint64_t{0}; }
  Result<std::unique_ptr<PooledEngine>> start_engine(const ModelSpec&, std::shared_ptr<PooledWeights>) override {
    return std::unique_ptr<PooledEngine>(std::make_unique<RunningEngine>(service_, model_));
  }

 private:
  GenerationService* service_;
  ServedModel model_;
};

}  // namespace

Result<ModelInUse> use_model(ServerState& state, const std::string& name, const AcquireOptions& options) {
  HERD_ASSIGN_OR_RETURN(ModelLease lease, state.pool->acquire(name, options));
  ModelInUse out{std::move(lease), {}};
  out.served = served_model_for(out.lease.spec(), out.lease.engine(), state.created, state.chat_parse_special);
  if (out.served.tokenizer == nullptr || out.served.chat_template == nullptr) {
    return internal_error("the model '" + out.served.id + "' has no tokenizer or chat template");
  }
  return out;
}

std::unique_ptr<ModelPool> single_model_pool(const ServedModel& model, GenerationService* service) {
  ModelSpec spec;
  spec.id = model.id;
  spec.names = model.names;
  spec.pinned = true;
  auto pool = std::make_unique<ModelPool>(ModelPoolParams{}, std::make_unique<RunningEngineLoader>(service, model),
                                          std::vector<ModelSpec>{std::move(spec)});
  (void)pool->load(model.id);  // nothing here can fail: the engine runs already
  return pool;
}

}  // namespace herd::server
