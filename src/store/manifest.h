// Docker distribution manifest v2 as Ollama registries serve it, and herd's config blob.
// Parsing is strict and bounded: every digest is checked here, before anything builds a path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/digest.h"

namespace herd::store {

inline constexpr std::string_view kManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kConfigMediaType = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kLayerPrefix = "application/vnd.ollama.image.";
inline constexpr size_t kMaxManifestBytes = 1 << 20;
inline constexpr size_t kMaxLayers = 64;
inline constexpr uint64_t kMaxBlobSize = uint64_t(1) << 44;  // 16 TiB

enum class LayerKind { kModel, kAdapter, kProjector, kTemplate, kSystem, kParams, kMessages, kLicense, kOther };
LayerKind layer_kind(std::string_view media_type);
std::string layer_media_type(LayerKind kind);  // kOther: ""

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
};

struct Manifest {
  Descriptor config;
  std::vector<Descriptor> layers;

  // kInvalidArgument / kCorruptFile with a precise message; bounded by kMaxManifestBytes,
  // kMaxLayers, kMaxBlobSize. At most one model layer.
  static Result<Manifest> parse(std::string_view json);
  std::string to_json() const;

  const Descriptor* find(LayerKind kind) const;  // the first layer of that kind
  uint64_t total_size() const;                   // config + layers
};

// What herd writes into (and reads from) a config blob; unknown fields are ignored.
struct ModelConfig {
  std::string model_format = "gguf";
  std::string model_family;  // general.architecture
  std::string model_type;    // e.g. "1.1B"
  std::string file_type;     // e.g. "Q4_0"
  std::vector<std::string> diff_ids;

  static Result<ModelConfig> parse(std::string_view json);
  std::string to_json() const;
};

}  // namespace herd::store
