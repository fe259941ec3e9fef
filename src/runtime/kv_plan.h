// How big the engine's KV pool and context are: the context defaults to the model's
// training context, and the pool to what n_parallel such sequences need, within a
// memory budget (EngineParams::kv_memory_bytes, or a share of the free memory). The
// pool's memory is committed as blocks are used, so the budget is a ceiling.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "model/model.h"
#include "runtime/engine.h"

namespace herd {

struct KvPlan {
  int32_t n_ctx = 0;     // longest sequence
  int32_t n_blocks = 0;  // blocks in the pool: at least one sequence of n_ctx and a spare
};

// available: the memory the budget may come from (available_memory_bytes() in the
// engine; a fixed value in tests).
Result<KvPlan> plan_kv(const Model& model, const EngineParams& params, uint64_t available);

}  // namespace herd
