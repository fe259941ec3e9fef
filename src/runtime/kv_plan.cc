#include "runtime/kv_plan.h"

#include <algorithm>
#include <string>

#include "kv/kv_budget.h"

namespace herd {

Result<KvPlan> plan_kv(const Model& model, const EngineParams& params, uint64_t available) {
  const Hparams& hp = model.hparams();
  const int64_t bs = params.kv_block_size;
  const uint64_t per_token = kv_bytes_per_token(hp.n_layer, hp.n_embd_kv(), params.kv_type_k, params.kv_type_v);
  if (per_token == 0) return invalid_argument("the model has no KV cache to size");
  int64_t n_ctx = params.n_ctx > 0 ? params.n_ctx : hp.n_ctx_train;
  const auto whole_blocks = [bs](int64_t n) { return (n + bs - 1) / bs * bs; };
  // Every sequence takes whole blocks, and one more block is kept for copy-on-write.
  const int64_t wanted = static_cast<int64_t>(params.n_parallel) * whole_blocks(n_ctx) + bs;
  int64_t positions = 0;
  if (params.kv_size > 0) {
    positions = (static_cast<int64_t>(params.kv_size) + bs - 1) / bs * bs;
  } else if (params.kv_memory_bytes > 0) {
    positions = static_cast<int64_t>(std::min<uint64_t>(params.kv_memory_bytes / per_token, INT32_MAX));
  } else {
    const uint64_t budget =
        default_kv_budget(static_cast<uint64_t>(wanted) * per_token, model.gguf().file_size(), available);
    positions = static_cast<int64_t>(std::min<uint64_t>(budget / per_token, INT32_MAX)) / bs * bs;
    // A context the user did not ask for shrinks to what the budget holds.
    if (params.n_ctx == 0 && positions < whole_blocks(n_ctx) + bs) n_ctx = std::max<int64_t>(positions - bs, 0);
  }
  positions = positions / bs * bs;
  if (n_ctx < 2) {
    return invalid_argument("the context must hold at least 2 tokens (set --ctx-size, or give the KV cache more memory)");
  }
  // One sequence of n_ctx must always fit, with a spare block for copy-on-write.
  if (positions < whole_blocks(n_ctx) + bs) {
    return invalid_argument("a kv cache of " + std::to_string(positions) + " positions (" +
                            std::to_string(static_cast<uint64_t>(positions) * per_token >> 20) +
                            " MiB) cannot hold one sequence of " + std::to_string(n_ctx) +
                            " (+ one block): raise --kv-memory or lower --ctx-size");
  }
  // The scheduler counts positions (blocks * block size) in int32.
  if (positions > INT32_MAX) return resource_exhausted("a kv cache of " + std::to_string(positions) + " positions is too large");
  return KvPlan{static_cast<int32_t>(n_ctx), static_cast<int32_t>(positions / bs)};
}

}  // namespace herd
