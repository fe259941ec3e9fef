// The paths of the registry API (Docker distribution v2, as Ollama speaks it), taken
// apart and checked before any part can reach a file name:
//   /v2/                                   the API's root
//   /v2/<ns>/<model>/manifests/<tag>
//   /v2/<ns>/<model>/blobs/<digest>
//   /v2/<ns>/<model>/blobs/uploads/        start an upload
//   /v2/<ns>/<model>/blobs/uploads/<id>    continue or finish one
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "store/digest.h"

namespace herd::server {

// An error in the registry's own shape: {"errors":[{"code","message"}]}.
struct RegistryError {
  int status = 404;
  std::string code;  // NAME_INVALID, DIGEST_INVALID, BLOB_UNKNOWN, MANIFEST_UNKNOWN, ...
  std::string message;
};

std::string registry_error_body(const RegistryError& error);

struct RegistryPath {
  enum class Kind { kRoot, kManifest, kBlob, kUploads, kUpload };
  Kind kind = Kind::kRoot;
  std::string ns;
  std::string model;
  std::string tag;                     // kManifest
  std::optional<store::Digest> digest; // kBlob
  std::string upload_id;               // kUpload: 32 lowercase hex digits
};

std::variant<RegistryPath, RegistryError> parse_registry_path(std::string_view path);

// The value of `name` in a query string (percent-decoded), or nullopt.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

// An upload id as herd makes them.
bool valid_upload_id(std::string_view id);

}  // namespace herd::server
