#include "store/foreign_import.h"

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>

#include "base/mapped_file.h"
#include "store/blob_import.h"
#include "store/quant_tag.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string home_dir() { return env_or("HOME", "."); }

std::vector<fs::directory_entry> entries(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(*it);
  std::sort(out.begin(), out.end());
  return out;
}

// Imports each blob of a manifest from `blobs_dir`, then writes the manifest bytes.
Status import_manifest(const ModelStore& store, const ModelRef& ref, const std::string& manifest_text,
                       const std::string& blobs_dir, bool* all_linked) {
  HERD_ASSIGN_OR_RETURN(Manifest m, Manifest::parse(manifest_text));
  std::vector<Descriptor> blobs = m.layers;
  blobs.push_back(m.config);
  *all_linked = true;
  for (const Descriptor& d : blobs) {
    HERD_ASSIGN_OR_RETURN(ImportedBlob b, import_blob_file(store.layout(), blobs_dir + "/" + d.digest.file_name(), d.digest,
                                                           ImportMode::kLinkOrCopy));
    if (b.size != d.size) return corrupt_file(d.digest.to_string() + ": the manifest says " + std::to_string(d.size) +
                                              " bytes, the file has " + std::to_string(b.size));
    *all_linked = *all_linked && (b.linked || b.existed);
  }
  return store.put_manifest(ref, manifest_text);
}

Status already_there(const ModelStore& store, const ModelRef& ref) {
  return store.contains(ref) ? Status(StatusCode::kUnavailable, "already in the store; left as it is") : Status();
}

}  // namespace

std::string default_ollama_models_dir() { return env_or("OLLAMA_MODELS", home_dir() + "/.ollama/models"); }

std::string default_hf_hub_dir() {
  return env_or("HF_HUB_CACHE", env_or("HF_HOME", home_dir() + "/.cache/huggingface") + "/hub");
}

Result<ImportReport> import_ollama_models(const ModelStore& store, const std::string& dir, const ImportOptions& options) {
  if (!fs::is_directory(dir + "/manifests") || !fs::is_directory(dir + "/blobs")) {
    return not_found(dir + ": not an Ollama models folder (no manifests/ and blobs/)");
  }
  HERD_RETURN_IF_ERROR(store.layout().ensure_directories());
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(store.layout().gc_lock_path(), FileLock::Mode::kShared, true));
  ImportReport report;
  for (const auto& host : entries(dir + "/manifests")) {
    for (const auto& ns : entries(host.path())) {
      for (const auto& model : entries(ns.path())) {
        for (const auto& tag : entries(model.path())) {
          ImportReport::Item item;
          item.source = tag.path().string();
          ModelRef ref;
          ref.host = host.path().filename().string();
          ref.ns = ns.path().filename().string();
          ref.model = model.path().filename().string();
          ref.tag = tag.path().filename().string();
          item.name = ref.full_name();
          if (!valid_host(ref.host) || !valid_name_part(ref.ns) || !valid_name_part(ref.model) || !valid_tag(ref.tag)) {
            item.status = invalid_argument("not a valid model name; skipped");
            report.items.push_back(std::move(item));
            continue;
          }
          item.name = ref.short_name();
          item.status = already_there(store, ref);
          if (item.status.ok()) {
            if (options.on_progress) options.on_progress("importing " + item.name);
            Result<std::string> text = read_small_file(item.source, kMaxManifestBytes);
            item.status = text.ok() ? import_manifest(store, ref, *text, dir + "/blobs", &item.linked) : text.status();
          }
          report.items.push_back(std::move(item));
        }
      }
    }
  }
  return report;
}

Result<ImportReport> import_hf_cache(const ModelStore& store, const std::string& hub, const ImportOptions& options) {
  if (!fs::is_directory(hub)) return not_found(hub + ": no Hugging Face cache there");
  HERD_RETURN_IF_ERROR(store.layout().ensure_directories());
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(store.layout().gc_lock_path(), FileLock::Mode::kShared, true));
  ImportReport report;
  for (const auto& repo : entries(hub)) {
    const std::string dir_name = repo.path().filename().string();
    if (dir_name.rfind("models--", 0) != 0) continue;
    const std::string rest = dir_name.substr(8);
    const size_t sep = rest.find("--");
    if (sep == std::string::npos) continue;
    ModelRef base;
    base.host = std::string(kHuggingFaceHost);
    base.ns = rest.substr(0, sep);
    base.model = rest.substr(sep + 2);
    if (!valid_name_part(base.ns) || !valid_name_part(base.model)) continue;
    // The newest snapshot's files win for a tag (snapshots are sorted by name, not time:
    // take them all and let the first import of a tag stand).
    for (const auto& snapshot : entries(repo.path() / "snapshots")) {
      std::error_code ec;
      for (fs::recursive_directory_iterator it(snapshot.path(), ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path file = it->path();
        if (file.extension() != ".gguf") continue;
        ImportReport::Item item;
        item.source = file.string();
        const std::string fname = file.filename().string();
        if (fname.find("-of-") != std::string::npos && fname.find("-00001-of-") == std::string::npos) continue;
        ModelRef ref = base;
        ref.tag = quant_tag_of(fname).value_or(std::string(kDefaultTag));
        item.name = ref.short_name();
        if (fname.find("-00001-of-") != std::string::npos) {
          item.status = unsupported("split GGUF files are not supported yet; skipped");
        } else if (Status s = already_there(store, ref); !s.ok()) {
          item.status = s;
        } else {
          if (options.on_progress) options.on_progress("importing " + item.name + " from " + item.source);
          // The cache names each LFS blob by its sha256: the link target tells it.
          std::optional<Digest> expected;
          const fs::path target = fs::canonical(file, ec);
          if (!ec) {
            if (Result<Digest> d = Digest::from_hex(target.filename().string()); d.ok()) expected = *d;
          }
          Result<ImportedBlob> blob = import_blob_file(store.layout(), file.string(), expected, ImportMode::kLinkOrCopy);
          if (!blob.ok()) {
            item.status = blob.status();
          } else {
            ModelConfig config = options.describe ? options.describe(store.layout().blob_path(blob->digest)) : ModelConfig{};
            config.diff_ids = {blob->digest.to_string()};
            const std::string config_json = config.to_json();
            Result<Digest> config_digest = put_blob_bytes(store.layout(), config_json);
            if (!config_digest.ok()) {
              item.status = config_digest.status();
            } else {
              Manifest m;
              m.config = {std::string(kConfigMediaType), *config_digest, config_json.size()};
              m.layers.push_back({layer_media_type(LayerKind::kModel), blob->digest, blob->size});
              item.status = store.put_manifest(ref, m);
              item.linked = blob->linked || blob->existed;
            }
          }
        }
        report.items.push_back(std::move(item));
      }
    }
  }
  return report;
}

}  // namespace herd::store
