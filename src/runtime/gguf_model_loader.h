// The pool's real loader: a spec's GGUF becomes a Model and its Tokenizer (shared by the
// specs that name the file), and each spec gets its own Engine over them, with its chat
// template (the preset's, else the file's, else ChatML) parsed once.
#pragma once

#include <cstdint>
#include <memory>

#include "runtime/engine.h"
#include "runtime/model_pool.h"

namespace herd {

struct GgufLoaderParams {
  // Every engine's parameters; a preset's num_ctx replaces n_ctx. With neither
  // kv_size nor kv_memory_bytes set, each KV pool is what n_parallel sequences need,
  // within a share of kv_available (0: the machine's available memory).
  EngineParams engine;
  uint64_t kv_available = 0;
};

std::unique_ptr<ModelLoader> make_gguf_model_loader(const GgufLoaderParams& params);

}  // namespace herd
