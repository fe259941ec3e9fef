// The serving engine: one thread runs the continuous-batching loop
//   schedule -> copy KV blocks -> evaluate one batch -> sample -> report
// over a paged KV cache shared by all requests, with prefix caching. Requests come in
// through submit() from any thread and report through their RequestStream.
//
// Batch invariance: a request's tokens depend only on the request (prompt, sampling
// parameters, seed), never on what else runs or what was cached: every row of a batch
// is computed exactly as if it were alone, and every choice samples with its own RNG.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "base/status.h"
#include "model/model.h"
#include "runtime/generation_service.h"
#include "tokenizer/tokenizer.h"

namespace herd {

// Fault injection for tests: hooks the loop thread calls; a throw from one acts like
// a throw from the code it stands in front of. Unset (the default) they cost nothing.
struct EngineFaults {
  std::function<void()> before_eval;                            // the model, on a batch
  std::function<void(const GenerationRequest&)> before_sample;  // one request's sampling
};

struct EngineParams {
  int32_t n_parallel = 4;          // sequences decoding at once
  int32_t n_ctx = 0;               // longest sequence; 0: the model's training context
  // The KV pool (kv_plan.h): kv_size positions when set (tests), else kv_memory_bytes of
  // cache, else (0) what n_parallel * n_ctx + one block need, within a share of the free
  // memory. Its memory is committed block by block as sequences grow.
  int32_t kv_size = 0;
  uint64_t kv_memory_bytes = 0;
  DType kv_type_k = DType::kF16;   // cache element types: F16, Q8_0 or F32
  DType kv_type_v = DType::kF16;
  int32_t kv_block_size = 16;
  int32_t max_batch_tokens = 512;  // tokens per step, prefill and decode together
  int32_t max_queue = 64;          // sequences (a request of n choices counts n) waiting before submit refuses
  int32_t max_n = 16;              // choices per request
  // Work one request may ask for: n * (prompt + max_tokens, or the context when
  // max_tokens is unset); 0: n_parallel * n_ctx.
  int64_t max_request_tokens = 0;
  int32_t max_top_logprobs = 20;
  int n_threads = 0;               // 0: all hardware threads
  EngineFaults faults;             // tests only
};

class Engine final : public GenerationService {
 public:
  // The model and tokenizer must outlive the engine. Starts the loop thread.
  static Result<std::unique_ptr<Engine>> create(const Model& model, const Tokenizer& tokenizer,
                                                const EngineParams& params);
  ~Engine() override;  // cancels whatever is in flight and joins the loop

  Result<std::shared_ptr<RequestStream>> submit(GenerationRequest request) override;
  EngineStats stats() const override;
  int32_t n_ctx() const override;
  int32_t n_vocab() const override;
  void drain() override;
  int n_threads() const;  // the compute threads evaluating batches

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd
