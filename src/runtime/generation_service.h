// What a front end (the HTTP server) needs from the engine: submit a tokenized request
// and read its events; look at the engine's state for /metrics and /health.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "runtime/request.h"

namespace herd {

struct EngineStats {
  int32_t n_waiting = 0;        // requests queued, not yet running (queue depth)
  int32_t n_running = 0;        // sequences holding KV blocks
  int32_t kv_blocks_total = 0;
  int32_t kv_blocks_used = 0;   // referenced by a running sequence
  int32_t kv_blocks_cached = 0;  // unreferenced, kept for the prefix cache
  uint64_t kv_cache_bytes = 0;           // KV memory of the blocks the pool has grown to
  uint64_t kv_cache_capacity_bytes = 0;  // ... and of all kv_blocks_total (the budget)
  std::string_view kv_type_k = "f16";    // cache element types, as --cache-type-k/-v name them
  std::string_view kv_type_v = "f16";
  int64_t n_preemptions = 0;
  int64_t prompt_tokens_total = 0;     // evaluated (cache hits excluded)
  int64_t cached_tokens_total = 0;     // prompt tokens served from the prefix cache
  int64_t generated_tokens_total = 0;
  int64_t steps_total = 0;
};

class GenerationService {
 public:
  virtual ~GenerationService() = default;

  // Queues a request. Errors: kInvalidArgument (bad field: empty prompt, prompt +
  // max_tokens beyond the context, n or top_logprobs out of range, a token id outside
  // the vocabulary), kResourceExhausted (queue full: retry later), kUnavailable
  // (draining). The stream ends with RequestDone or RequestFailed.
  virtual Result<std::shared_ptr<RequestStream>> submit(GenerationRequest request) = 0;

  virtual EngineStats stats() const = 0;
  virtual int32_t n_ctx() const = 0;      // longest sequence: prompt + generated
  virtual int32_t n_vocab() const = 0;

  // Stops accepting requests (submit says kUnavailable) and returns once every
  // request in flight has finished.
  virtual void drain() = 0;
};

}  // namespace herd
