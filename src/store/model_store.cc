#include "store/model_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/json_limits.h"
#include "base/mapped_file.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr size_t kMaxTextLayer = size_t{4} << 20;

Result<std::string> read_text_layer(const StoreLayout& layout, const Descriptor& d) {
  if (d.size > kMaxTextLayer) return unsupported("a " + d.media_type + " layer of " + std::to_string(d.size) + " bytes");
  return read_small_file(layout.blob_path(d.digest), kMaxTextLayer);
}

// The refs under manifests/, from the directory names, each part checked.
std::vector<ModelRef> manifest_refs(const StoreLayout& layout) {
  std::vector<ModelRef> refs;
  std::error_code ec;
  const auto dirs = [&](const fs::path& p) {
    std::vector<fs::directory_entry> out;
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) out.push_back(*it);
    return out;
  };
  for (const auto& host : dirs(layout.manifests_dir())) {
    if (!host.is_directory() || !valid_host(host.path().filename().string())) continue;
    for (const auto& ns : dirs(host.path())) {
      if (!ns.is_directory() || !valid_name_part(ns.path().filename().string())) continue;
      for (const auto& model : dirs(ns.path())) {
        if (!model.is_directory() || !valid_name_part(model.path().filename().string())) continue;
        for (const auto& tag : dirs(model.path())) {
          if (!tag.is_regular_file() || !valid_tag(tag.path().filename().string())) continue;
          ModelRef r;
          r.host = host.path().filename().string();
          r.ns = ns.path().filename().string();
          r.model = model.path().filename().string();
          r.tag = tag.path().filename().string();
          refs.push_back(std::move(r));
        }
      }
    }
  }
  std::sort(refs.begin(), refs.end(), [](const ModelRef& a, const ModelRef& b) { return a.full_name() < b.full_name(); });
  return refs;
}

// Removes now-empty directories from the manifest's up to manifests/.
void prune_empty_dirs(const StoreLayout& layout, const ModelRef& ref) {
  fs::path dir = fs::path(layout.manifest_path(ref)).parent_path();
  const fs::path stop = layout.manifests_dir();
  std::error_code ec;
  for (int i = 0; i < 3 && dir != stop; ++i, dir = dir.parent_path()) {
    if (!fs::is_empty(dir, ec) || ec) return;
    fs::remove(dir, ec);
  }
}

}  // namespace

ModelStore::ModelStore(StoreLayout layout) : layout_(std::move(layout)) {}

bool ModelStore::contains(const ModelRef& ref) const { return check_regular_file(layout_.manifest_path(ref)).ok(); }

bool ModelStore::has_blob(const Digest& d) const { return check_regular_file(layout_.blob_path(d)).ok(); }

Result<std::string> ModelStore::read_manifest_bytes(const ModelRef& ref) const {
  Result<std::string> text = read_small_file(layout_.manifest_path(ref), kMaxManifestBytes);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    return not_found("model \"" + ref.short_name() + "\" is not in the store (" + layout_.home() + ")");
  }
  return text;
}

Result<StoreEntry> ModelStore::entry(const ModelRef& ref) const {
  HERD_ASSIGN_OR_RETURN(std::string text, read_manifest_bytes(ref));
  Result<Manifest> m = Manifest::parse(text);
  if (!m.ok()) return m.status().with_context(ref.short_name());
  StoreEntry e;
  e.ref = ref;
  e.manifest = std::move(m).value();
  e.manifest_digest = sha256_of(text);
  e.size = e.manifest.total_size();
  struct stat st {};
  if (::stat(layout_.manifest_path(ref).c_str(), &st) == 0) e.modified = st.st_mtime;
  Result<std::string> config = read_small_file(layout_.blob_path(e.manifest.config.digest), kMaxManifestBytes);
  if (config.ok()) {
    Result<ModelConfig> parsed = ModelConfig::parse(*config);
    if (parsed.ok()) e.config = std::move(parsed).value();
  }
  return e;
}

Result<std::vector<StoreEntry>> ModelStore::list() const {
  std::vector<StoreEntry> entries;
  for (const ModelRef& ref : manifest_refs(layout_)) {
    Result<StoreEntry> e = entry(ref);
    if (e.ok()) entries.push_back(std::move(e).value());
  }
  return entries;
}

Result<ResolvedModel> ModelStore::resolve(const ModelRef& ref) const {
  HERD_ASSIGN_OR_RETURN(StoreEntry e, entry(ref));
  ResolvedModel r;
  r.ref = ref;
  r.manifest_digest = e.manifest_digest;
  const Descriptor* model = e.manifest.find(LayerKind::kModel);
  if (model == nullptr) return unsupported(ref.short_name() + ": the manifest has no model layer");
  for (const Descriptor& d : e.manifest.layers) {
    if (!has_blob(d.digest)) {
      return not_found(ref.short_name() + ": blob " + d.digest.to_string() + " is missing; `herd pull " +
                       ref.short_name() + "` fetches it again");
    }
  }
  r.model_path = layout_.blob_path(model->digest);
  if (const Descriptor* a = e.manifest.find(LayerKind::kAdapter)) r.adapter_path = layout_.blob_path(a->digest);
  if (const Descriptor* d = e.manifest.find(LayerKind::kSystem)) {
    HERD_ASSIGN_OR_RETURN(r.system, read_text_layer(layout_, *d));
  }
  if (const Descriptor* d = e.manifest.find(LayerKind::kTemplate)) {
    HERD_ASSIGN_OR_RETURN(r.chat_template, read_text_layer(layout_, *d));
  }
  if (const Descriptor* d = e.manifest.find(LayerKind::kLicense)) {
    HERD_ASSIGN_OR_RETURN(r.license, read_text_layer(layout_, *d));
  }
  if (const Descriptor* d = e.manifest.find(LayerKind::kParams)) {
    HERD_ASSIGN_OR_RETURN(std::string text, read_text_layer(layout_, *d));
    Result<Json> params = parse_params_layer(text);
    if (!params.ok()) return params.status().with_context(ref.short_name());
    r.params = std::move(params).value();
  }
  if (const Descriptor* d = e.manifest.find(LayerKind::kMessages)) {
    HERD_ASSIGN_OR_RETURN(std::string text, read_text_layer(layout_, *d));
    Result<std::vector<ChatMessage>> messages = parse_messages_layer(text);
    if (!messages.ok()) return messages.status().with_context(ref.short_name());
    r.messages = std::move(messages).value();
  }
  return r;
}

Status ModelStore::put_manifest(const ModelRef& ref, std::string_view manifest_json) const {
  HERD_ASSIGN_OR_RETURN(Manifest m, Manifest::parse(manifest_json));
  HERD_RETURN_IF_ERROR(layout_.ensure_directories());
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(layout_.gc_lock_path(), FileLock::Mode::kShared, true));
  if (!has_blob(m.config.digest)) return not_found("the manifest's config blob " + m.config.digest.to_string() + " is not in the store");
  for (const Descriptor& d : m.layers) {
    if (!has_blob(d.digest)) return not_found("the manifest's blob " + d.digest.to_string() + " is not in the store");
  }
  return write_file_atomically(layout_.tmp_dir(), layout_.manifest_path(ref), manifest_json);
}

Status ModelStore::copy(const ModelRef& from, const ModelRef& to) const {
  HERD_ASSIGN_OR_RETURN(std::string text, read_manifest_bytes(from));
  return put_manifest(to, text);
}

Result<uint64_t> ModelStore::remove(const ModelRef& ref) const {
  HERD_ASSIGN_OR_RETURN(StoreEntry gone, entry(ref));
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(layout_.gc_lock_path(), FileLock::Mode::kExclusive, true));
  const std::string path = layout_.manifest_path(ref);
  if (::unlink(path.c_str()) != 0) return io_error("removing " + path + ": " + std::strerror(errno));
  HERD_RETURN_IF_ERROR(fsync_directory(fs::path(path).parent_path().string()));
  prune_empty_dirs(layout_, ref);
  // A blob goes only when no remaining manifest names it; if any manifest cannot be read,
  // nothing is swept (its blobs are unknown).
  std::set<Digest> in_use;
  for (const ModelRef& other : manifest_refs(layout_)) {
    Result<std::string> text = read_manifest_bytes(other);
    Result<Manifest> m = text.ok() ? Manifest::parse(*text) : Result<Manifest>(text.status());
    if (!m.ok()) return uint64_t{0};
    in_use.insert(m->config.digest);
    for (const Descriptor& d : m->layers) in_use.insert(d.digest);
  }
  uint64_t freed = 0;
  std::vector<Descriptor> candidates = gone.manifest.layers;
  candidates.push_back(gone.manifest.config);
  std::set<Digest> done;
  for (const Descriptor& d : candidates) {
    if (in_use.count(d.digest) != 0 || !done.insert(d.digest).second) continue;
    struct stat st {};
    const std::string blob = layout_.blob_path(d.digest);
    if (::stat(blob.c_str(), &st) == 0 && ::unlink(blob.c_str()) == 0) freed += static_cast<uint64_t>(st.st_size);
  }
  HERD_RETURN_IF_ERROR(fsync_directory(layout_.blobs_dir()));
  HERD_ASSIGN_OR_RETURN(const TmpSweepReport tmp, sweep_tmp(layout_, TmpSweepOptions{}));
  return freed + tmp.bytes;
}

Result<TmpSweepReport> ModelStore::prune_tmp(const TmpSweepOptions& options) const {
  HERD_RETURN_IF_ERROR(layout_.ensure_directories());
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(layout_.gc_lock_path(), FileLock::Mode::kExclusive, true));
  TmpSweepOptions all = options;
  all.locks_and_tmp_files = true;
  return sweep_tmp(layout_, all);
}

Result<std::vector<ChatMessage>> parse_messages_layer(std::string_view text) {
  JsonLimits limits;
  limits.subject = "the messages layer";
  HERD_RETURN_IF_ERROR(check_json_shape(text, limits));
  const Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_array()) return invalid_argument("the messages layer is not a JSON array");
  std::vector<ChatMessage> messages;
  for (const Json& m : j) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
        !m["content"].is_string()) {
      return invalid_argument("the messages layer: each message needs a string role and content");
    }
    messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return messages;
}

Result<Json> parse_params_layer(std::string_view text) {
  JsonLimits limits;
  limits.subject = "the params layer";
  return parse_json_object<Json>(text, limits);
}

Result<ResolvedModel> resolve_model_argument(const std::string& arg) {
  const bool looks_like_path = arg.find('/') == 0 || arg.rfind("./", 0) == 0 || arg.rfind("../", 0) == 0 ||
                               (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".gguf") == 0);
  const Status file = check_regular_file(arg);
  if (file.ok() || looks_like_path || file.code() != StatusCode::kNotFound) {
    if (!file.ok()) return file;
    ResolvedModel r;
    r.model_path = arg;
    return r;
  }
  Result<ModelRef> ref = ModelRef::parse(arg);
  if (!ref.ok()) return not_found(arg + ": no such file, and not a model name (" + ref.status().message() + ")");
  const ModelStore store(StoreLayout::from_environment());
  Result<ResolvedModel> r = store.resolve(*ref);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound && !store.contains(*ref)) {
    return not_found("no file \"" + arg + "\", and no model \"" + ref->short_name() + "\" in the store (" +
                     store.layout().home() + "); `herd pull " + ref->short_name() + "` fetches it");
  }
  return r;
}

}  // namespace herd::store
