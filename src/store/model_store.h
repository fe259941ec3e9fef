// The store's read side and its bookkeeping: list, show, rm (with a blob sweep), cp, and the
// resolution of a name to files that run/chat/bench/serve use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "store/manifest.h"
#include "store/model_ref.h"
#include "store/store_layout.h"
#include "store/tmp_sweep.h"

namespace herd::store {

struct ChatMessage {
  std::string role;
  std::string content;
};

// A name resolved to files: what the runtime loads, and a preset's additions.
struct ResolvedModel {
  ModelRef ref;                             // model empty when the argument was a file path
  Digest manifest_digest;
  std::string model_path;                   // the GGUF (a blob)
  std::optional<std::string> adapter_path;  // a LoRA GGUF (a blob)
  std::optional<std::string> system;        // a preset's system prompt
  std::optional<std::string> chat_template; // a preset's template (Jinja)
  nlohmann::json params = nlohmann::json::object();  // temperature, stop, num_ctx, …
  std::vector<ChatMessage> messages;        // few-shot turns
  std::optional<std::string> license;
};

struct StoreEntry {
  ModelRef ref;
  Manifest manifest;
  Digest manifest_digest;
  uint64_t size = 0;       // all blobs
  int64_t modified = 0;    // manifest mtime, unix seconds
  ModelConfig config;      // empty fields when the config blob is missing or unreadable
};

class ModelStore {
 public:
  explicit ModelStore(StoreLayout layout);
  const StoreLayout& layout() const { return layout_; }

  // Every manifest under manifests/, sorted by full name. Unreadable ones are skipped.
  Result<std::vector<StoreEntry>> list() const;
  Result<StoreEntry> entry(const ModelRef& ref) const;  // kNotFound when absent
  Result<ResolvedModel> resolve(const ModelRef& ref) const;
  bool contains(const ModelRef& ref) const;
  bool has_blob(const Digest& d) const;

  // Writes (or replaces) a manifest, exactly these bytes, after parsing it and checking that
  // every blob it names is present. Holds .gc.lock shared while it checks and writes.
  Status put_manifest(const ModelRef& ref, std::string_view manifest_json) const;
  Status put_manifest(const ModelRef& ref, const Manifest& m) const { return put_manifest(ref, m.to_json()); }
  Result<std::string> read_manifest_bytes(const ModelRef& ref) const;  // kNotFound when absent
  Status copy(const ModelRef& from, const ModelRef& to) const;
  // Removes the manifest, then every blob no manifest names any more and every abandoned
  // download in tmp/ (sweep_tmp), under .gc.lock. Returns the bytes freed.
  Result<uint64_t> remove(const ModelRef& ref) const;
  // `herd prune`: tmp/'s abandoned downloads, unheld lock files and stray *.tmp files.
  Result<TmpSweepReport> prune_tmp(const TmpSweepOptions& options = {}) const;

 private:
  StoreLayout layout_;
};

// The text layers of a manifest, bounded and checked (exposed for the fuzzers): messages is a
// JSON array of {role, content} strings, params a JSON object.
Result<std::vector<ChatMessage>> parse_messages_layer(std::string_view text);
Result<nlohmann::json> parse_params_layer(std::string_view text);

// "-m X" in the CLI: a path to an existing file (or one that contains '/' or ends in ".gguf")
// is a file; anything else is a store name, resolved in $HERD_HOME. kNotFound suggests
// `herd pull`.
Result<ResolvedModel> resolve_model_argument(const std::string& arg);

}  // namespace herd::store
