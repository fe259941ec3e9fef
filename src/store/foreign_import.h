// herd import: models a user already has, registered without a re-download. Blobs are hard
// linked when the file system allows (else copied), and always verified against the digest
// their source names them by.
//   - an Ollama models folder (~/.ollama/models: manifests/<host>/<ns>/<model>/<tag>, blobs/)
//   - the Hugging Face cache (~/.cache/huggingface/hub: models--OWNER--REPO/snapshots/<rev>/
//     *.gguf, symlinks to blobs/<sha256>), each GGUF as hf.co/OWNER/REPO:<QUANT>
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/manifest.h"
#include "store/model_store.h"

namespace herd::store {

struct ImportReport {
  struct Item {
    std::string name;    // the store name
    std::string source;  // the folder or file it came from
    Status status;       // ok, or why it was skipped
    bool linked = false; // every blob a hard link
  };
  std::vector<Item> items;
};

struct ImportOptions {
  // Family and file type of a GGUF (the CLI reads them with the engine); for HF files.
  std::function<ModelConfig(const std::string& gguf_path)> describe;
  std::function<void(const std::string& line)> on_progress;
};

// A model already in the store under the same name is left as it is (its item says so).
Result<ImportReport> import_ollama_models(const ModelStore& store, const std::string& ollama_models_dir,
                                          const ImportOptions& options);
Result<ImportReport> import_hf_cache(const ModelStore& store, const std::string& hub_dir, const ImportOptions& options);

// ~/.ollama/models ($OLLAMA_MODELS), ~/.cache/huggingface/hub ($HF_HUB_CACHE, $HF_HOME/hub).
std::string default_ollama_models_dir();
std::string default_hf_hub_dir();

}  // namespace herd::store
