// The Ollama registry protocol (the Docker distribution API, read side): a name's manifest at
// /v2/<ns>/<model>/manifests/<tag>, and blobs by digest at /v2/<ns>/<model>/blobs/<digest>.
#pragma once

#include <string>

#include "base/status.h"
#include "store/digest.h"
#include "store/manifest.h"
#include "store/model_ref.h"

namespace herd::store {

inline constexpr std::string_view kDefaultRegistry = "https://registry.ollama.ai";

// The base URL to ask for `ref`: `configured` (HERD_REGISTRY) for names on the default host,
// else the name's own scheme and host.
std::string registry_base_url(const ModelRef& ref, const std::string& configured);

std::string registry_manifest_url(const std::string& base, const ModelRef& ref);
std::string registry_blob_url(const std::string& base, const ModelRef& ref, const Digest& digest);

struct RegistryManifest {
  std::string json;   // as served: stored byte for byte, so its digest is the registry's
  Manifest manifest;  // parsed (strictly) from it
};

// GETs and parses the manifest. kNotFound when the registry has no such name.
Result<RegistryManifest> fetch_registry_manifest(const std::string& base, const ModelRef& ref, int connect_timeout_s,
                                         int stall_timeout_s);

}  // namespace herd::store
