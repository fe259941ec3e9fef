#include "store/preset_builder.h"

#include <map>

#include "base/mapped_file.h"
#include "store/blob_import.h"

namespace herd::store {
namespace {

using Json = nlohmann::json;

std::string local_path(const std::string& base_dir, const std::string& p) {
  return p.empty() || p.front() == '/' || base_dir.empty() ? p : base_dir + "/" + p;
}

Result<Descriptor> text_layer(const StoreLayout& layout, LayerKind kind, const std::string& text) {
  HERD_ASSIGN_OR_RETURN(Digest d, put_blob_bytes(layout, text));
  return Descriptor{layer_media_type(kind), d, text.size()};
}

Result<Descriptor> file_layer(const StoreLayout& layout, LayerKind kind, const std::string& path,
                              const PresetSources& sources) {
  if (sources.on_progress) sources.on_progress("importing " + path);
  HERD_ASSIGN_OR_RETURN(ImportedBlob b, import_blob_file(layout, path, std::nullopt, ImportMode::kCopy));
  return Descriptor{layer_media_type(kind), b.digest, b.size};
}

}  // namespace

Result<Digest> create_preset(const ModelStore& store, const ModelRef& name, const Herdfile& file,
                             const PresetSources& sources) {
  const StoreLayout& layout = store.layout();
  HERD_RETURN_IF_ERROR(layout.ensure_directories());
  // Held shared from the first blob to the manifest: `herd rm` cannot sweep them meanwhile.
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(layout.gc_lock_path(), FileLock::Mode::kShared, true));

  std::map<LayerKind, Descriptor> layers;  // one per kind, in kind order
  Json params = Json::object();
  ModelConfig config;
  const std::string from_file = local_path(sources.base_dir, file.from);
  if (check_regular_file(from_file).ok()) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kModel], file_layer(layout, LayerKind::kModel, from_file, sources));
    if (sources.describe) config = sources.describe(layout.blob_path(layers[LayerKind::kModel].digest));
  } else {
    Result<ModelRef> base = ModelRef::parse(file.from);
    if (!base.ok()) return not_found("FROM " + file.from + ": no such file, and not a model name");
    HERD_ASSIGN_OR_RETURN(StoreEntry entry, store.entry(*base));
    HERD_ASSIGN_OR_RETURN(ResolvedModel resolved, store.resolve(*base));
    for (const Descriptor& d : entry.manifest.layers) {
      const LayerKind kind = layer_kind(d.media_type);
      if (kind != LayerKind::kOther) layers.emplace(kind, d);
    }
    params = resolved.params;
    config = entry.config;
  }
  if (layers.find(LayerKind::kModel) == layers.end()) return unsupported("FROM " + file.from + " has no model layer");
  if (file.adapter) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kAdapter],
                          file_layer(layout, LayerKind::kAdapter, local_path(sources.base_dir, *file.adapter), sources));
  }
  if (file.system) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kSystem], text_layer(layout, LayerKind::kSystem, *file.system));
  }
  if (file.chat_template) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kTemplate], text_layer(layout, LayerKind::kTemplate, *file.chat_template));
  }
  if (file.license) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kLicense], text_layer(layout, LayerKind::kLicense, *file.license));
  }
  for (const auto& [key, value] : file.params.items()) params[key] = value;
  if (!params.empty()) {
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kParams], text_layer(layout, LayerKind::kParams, params.dump()));
  } else {
    layers.erase(LayerKind::kParams);
  }
  if (!file.messages.empty()) {
    Json messages = Json::array();
    for (const ChatMessage& m : file.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    HERD_ASSIGN_OR_RETURN(layers[LayerKind::kMessages], text_layer(layout, LayerKind::kMessages, messages.dump()));
  }

  Manifest m;
  config.diff_ids.clear();
  for (const auto& [kind, d] : layers) {
    m.layers.push_back(d);
    config.diff_ids.push_back(d.digest.to_string());
  }
  const std::string config_json = config.to_json();
  HERD_ASSIGN_OR_RETURN(Digest config_digest, put_blob_bytes(layout, config_json));
  m.config = {std::string(kConfigMediaType), config_digest, config_json.size()};
  const std::string manifest_json = m.to_json();
  HERD_RETURN_IF_ERROR(store.put_manifest(name, manifest_json));
  return sha256_of(manifest_json);
}

}  // namespace herd::store
