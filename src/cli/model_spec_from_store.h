// A store resolution (store/model_store.h) as the model pool's spec (runtime/model_spec.h):
// what `herd serve -m NAME` serves, and what serving the whole store will build per entry.
#pragma once

#include "runtime/model_spec.h"
#include "store/model_store.h"

namespace herd::cli {

// The id is the short store name ("stories260K", "me/tiny:q8"), or for a file the file
// name without ".gguf"; the full store name also answers. The preset's system prompt,
// params, few-shot turns and template come along. (A LoRA adapter layer is not applied
// yet, as in run and chat.)
ModelSpec spec_from_resolved(const store::ResolvedModel& resolved);

}  // namespace herd::cli
