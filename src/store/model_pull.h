// `herd pull`: fetch a model into the store from an Ollama-protocol registry, a Hugging Face
// repository, or a direct .gguf URL. Every blob is verified before it is named; the manifest is
// written (atomically) only once every blob it names is in place; a model already in the store
// is left alone unless an update is asked for.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/blob_download.h"
#include "store/manifest.h"
#include "store/model_ref.h"
#include "store/model_store.h"

namespace herd::store {

// What a pull reports as it goes (the CLI draws it). Byte counts may come from several threads.
class PullObserver {
 public:
  virtual ~PullObserver() = default;
  virtual void message(const std::string& /*text*/) {}
  virtual void blob_started(const std::string& /*label*/, std::optional<uint64_t> /*size*/) {}
  virtual void bytes(uint64_t /*n*/, bool /*resumed*/) {}
  virtual void blob_finished() {}
};

struct PullOptions {
  std::string registry = std::string("https://registry.ollama.ai");  // for names on the default host
  std::string hf_endpoint = std::string("https://huggingface.co");
  std::optional<std::string> hf_token;  // sent to the Hugging Face endpoint only
  bool update = false;   // fetch again and replace the manifest (after every blob verified)
  bool offline = false;  // never touch the network
  DownloadOptions download;
  PullObserver* observer = nullptr;
  // Family, file type and size of a GGUF fetched as a file, for its config blob (the CLI reads
  // them with the engine, as `herd create` does). Without it: general.architecture only.
  std::function<ModelConfig(const std::string& gguf_path)> describe;
};

enum class PullOutcome {
  kPulled,    // the manifest was written (new, or changed by an update)
  kPresent,   // already in the store; nothing fetched
  kUnchanged, // --update found the same manifest
};

struct PullResult {
  ModelRef ref;
  PullOutcome outcome = PullOutcome::kPulled;
};

// A name as `herd pull` takes it: a store name, or an http(s) URL of a .gguf file, named
// <host>/<user>/<repo>:<file stem> for a .../USER/REPO/resolve/REV/FILE URL, and
// <host>/<parent dir or library>/<file stem>:latest for any other.
struct PullName {
  ModelRef ref;
  std::optional<std::string> url;
};
Result<PullName> parse_pull_name(std::string_view name);

Result<PullResult> pull_model(const ModelStore& store, std::string_view name, const PullOptions& options);

}  // namespace herd::store
