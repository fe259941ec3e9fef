#include "store/manifest.h"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/json_limits.h"

namespace herd::store {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::pair<LayerKind, std::string_view>, 8> kKinds{{
    {LayerKind::kModel, "model"},
    {LayerKind::kAdapter, "adapter"},
    {LayerKind::kProjector, "projector"},
    {LayerKind::kTemplate, "template"},
    {LayerKind::kSystem, "system"},
    {LayerKind::kParams, "params"},
    {LayerKind::kMessages, "messages"},
    {LayerKind::kLicense, "license"},
}};

JsonLimits manifest_limits(std::string_view subject) {
  JsonLimits l;
  l.subject = subject;
  l.max_depth = 8;
  l.max_keys = 4096;
  l.max_allocating = 8192;
  l.max_values = 8192;
  return l;
}

Result<Json> parse_bounded(std::string_view text, std::string_view subject) {
  if (text.size() > kMaxManifestBytes) {
    return invalid_argument(std::string(subject) + " is larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  }
  return parse_json_object<Json>(text, manifest_limits(subject));
}

Result<Descriptor> parse_descriptor(const Json& j, const std::string& where) {
  if (!j.is_object()) return invalid_argument("manifest: " + where + " is not an object");
  const auto media = j.find("mediaType");
  const auto digest = j.find("digest");
  const auto size = j.find("size");
  if (media == j.end() || !media->is_string()) return invalid_argument("manifest: " + where + " has no mediaType");
  if (digest == j.end() || !digest->is_string()) return invalid_argument("manifest: " + where + " has no digest");
  if (size == j.end() || !size->is_number_integer()) return invalid_argument("manifest: " + where + " has no size");
  Descriptor d;
  d.media_type = media->get<std::string>();
  if (d.media_type.size() > 256) return invalid_argument("manifest: " + where + "'s mediaType is too long");
  Result<Digest> parsed = Digest::parse(digest->get<std::string>());
  if (!parsed.ok()) return invalid_argument("manifest: " + where + ": " + parsed.status().message());
  d.digest = *parsed;
  if (size->is_number_unsigned()) {
    d.size = size->get<uint64_t>();
  } else {
    return invalid_argument("manifest: " + where + "'s size is negative");
  }
  if (d.size > kMaxBlobSize) return invalid_argument("manifest: " + where + "'s size is past 16 TiB");
  return d;
}

Json descriptor_json(const Descriptor& d) {
  return Json{{"mediaType", d.media_type}, {"digest", d.digest.to_string()}, {"size", d.size}};
}

std::string string_field(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

LayerKind layer_kind(std::string_view media_type) {
  if (media_type.substr(0, kLayerPrefix.size()) != kLayerPrefix) return LayerKind::kOther;
  const std::string_view suffix = media_type.substr(kLayerPrefix.size());
  for (const auto& [kind, name] : kKinds) {
    if (suffix == name) return kind;
  }
  return LayerKind::kOther;
}

std::string layer_media_type(LayerKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return std::string(kLayerPrefix) + std::string(name);
  }
  return "";
}

Result<Manifest> Manifest::parse(std::string_view text) {
  HERD_ASSIGN_OR_RETURN(Json j, parse_bounded(text, "the manifest"));
  const auto version = j.find("schemaVersion");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 2) {
    return unsupported("manifest: schemaVersion must be 2");
  }
  const auto media = j.find("mediaType");
  if (media != j.end() && (!media->is_string() || media->get<std::string>() != kManifestMediaType)) {
    return unsupported("manifest: unsupported mediaType (want " + std::string(kManifestMediaType) + ")");
  }
  const auto config = j.find("config");
  if (config == j.end()) return invalid_argument("manifest: no config");
  Manifest m;
  HERD_ASSIGN_OR_RETURN(m.config, parse_descriptor(*config, "config"));
  const auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return invalid_argument("manifest: no layers array");
  if (layers->size() > kMaxLayers) {
    return invalid_argument("manifest: more than " + std::to_string(kMaxLayers) + " layers");
  }
  int models = 0;
  for (size_t i = 0; i < layers->size(); ++i) {
    HERD_ASSIGN_OR_RETURN(Descriptor d, parse_descriptor((*layers)[i], "layer " + std::to_string(i)));
    if (layer_kind(d.media_type) == LayerKind::kModel) ++models;
    m.layers.push_back(std::move(d));
  }
  if (models > 1) return unsupported("manifest: more than one model layer");
  return m;
}

std::string Manifest::to_json() const {
  Json layers = Json::array();
  for (const Descriptor& d : this->layers) layers.push_back(descriptor_json(d));
  Json j{{"schemaVersion", 2},
         {"mediaType", kManifestMediaType},
         {"config", descriptor_json(config)},
         {"layers", std::move(layers)}};
  return j.dump();
}

const Descriptor* Manifest::find(LayerKind kind) const {
  for (const Descriptor& d : layers) {
    if (layer_kind(d.media_type) == kind) return &d;
  }
  return nullptr;
}

uint64_t Manifest::total_size() const {
  uint64_t total = config.size;
  for (const Descriptor& d : layers) total += d.size;
  return total;
}

Result<ModelConfig> ModelConfig::parse(std::string_view text) {
  HERD_ASSIGN_OR_RETURN(Json j, parse_bounded(text, "the model config"));
  ModelConfig c;
  c.model_format = string_field(j, "model_format");
  c.model_family = string_field(j, "model_family");
  c.model_type = string_field(j, "model_type");
  c.file_type = string_field(j, "file_type");
  const auto rootfs = j.find("rootfs");
  if (rootfs != j.end() && rootfs->is_object()) {
    const auto ids = rootfs->find("diff_ids");
    if (ids != rootfs->end() && ids->is_array()) {
      for (const Json& id : *ids) {
        if (id.is_string()) c.diff_ids.push_back(id.get<std::string>());
      }
    }
  }
  return c;
}

std::string ModelConfig::to_json() const {
  Json j{{"model_format", model_format},
         {"model_family", model_family},
         {"model_families", Json::array({model_family})},
         {"model_type", model_type},
         {"file_type", file_type},
         {"architecture", "amd64"},
         {"os", "linux"},
         {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  return j.dump();
}

}  // namespace herd::store
