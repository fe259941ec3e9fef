// herd create: a Herdfile becomes a manifest in the store. FROM a store name reuses that
// model's blobs (its GGUF is the same blob, so presets of one base share one file and one
// mmap) and inherits its system prompt, template, parameters, messages, adapter and license
// unless the Herdfile sets them (parameters merge key by key). FROM a file imports the file.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "store/herdfile.h"
#include "store/manifest.h"
#include "store/model_store.h"

namespace herd::store {

struct PresetSources {
  std::string base_dir;  // FROM and ADAPTER paths are relative to it (the Herdfile's directory)
  // Family and file type of a GGUF that comes from a file (the CLI reads them with the engine).
  std::function<ModelConfig(const std::string& gguf_path)> describe;
  std::function<void(const std::string& line)> on_progress;
};

// Returns the new manifest's digest. Nothing is written under the name unless every blob is in.
Result<Digest> create_preset(const ModelStore& store, const ModelRef& name, const Herdfile& file,
                             const PresetSources& sources);

}  // namespace herd::store
