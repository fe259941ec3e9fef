#include "server/registry_path.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "server/openai_errors.h"
#include "store/model_ref.h"

namespace herd::server {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

RegistryError unknown_route() { return {404, "NAME_UNKNOWN", "no such registry route"}; }

}  // namespace

std::string registry_error_body(const RegistryError& error) {
  nlohmann::json body = {{"errors", nlohmann::json::array({{{"code", error.code}, {"message", error.message}}})}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool valid_upload_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::variant<RegistryPath, RegistryError> parse_registry_path(std::string_view path) {
  constexpr std::string_view kRoot = "/v2/";
  if (path == "/v2" || path == kRoot) return RegistryPath{};
  if (path.substr(0, kRoot.size()) != kRoot) return unknown_route();
  const std::vector<std::string_view> parts = split(path.substr(kRoot.size()), '/');
  // Only <namespace>/<model> repositories, as Ollama names them.
  if (parts.size() < 4 || parts.size() > 5) return unknown_route();
  RegistryPath out;
  if (!store::valid_name_part(parts[0]) || !store::valid_name_part(parts[1])) {
    return RegistryError{400, "NAME_INVALID", "invalid repository name '" + echo(parts[0]) + "/" + echo(parts[1]) + "'"};
  }
  out.ns = std::string(parts[0]);
  out.model = std::string(parts[1]);
  if (parts.size() == 4 && parts[2] == "manifests") {
    if (!store::valid_tag(parts[3])) return RegistryError{400, "TAG_INVALID", "invalid tag '" + echo(parts[3]) + "'"};
    out.kind = RegistryPath::Kind::kManifest;
    out.tag = std::string(parts[3]);
    return out;
  }
  if (parts[2] != "blobs") return unknown_route();
  if (parts[3] == "uploads") {
    if (parts.size() == 4 || parts[4].empty()) {
      out.kind = RegistryPath::Kind::kUploads;
      return out;
    }
    if (!valid_upload_id(parts[4])) return RegistryError{404, "BLOB_UPLOAD_UNKNOWN", "no such upload"};
    out.kind = RegistryPath::Kind::kUpload;
    out.upload_id = std::string(parts[4]);
    return out;
  }
  if (parts.size() != 4) return unknown_route();
  Result<store::Digest> digest = store::Digest::parse(parts[3]);
  if (!digest.ok()) return RegistryError{400, "DIGEST_INVALID", "invalid digest '" + echo(parts[3]) + "'"};
  out.kind = RegistryPath::Kind::kBlob;
  out.digest = *digest;
  return out;
}

std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  for (std::string_view pair : split(query, '&')) {
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    const std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string value;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        const int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        value += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else if (raw[i] == '%') {
        return std::nullopt;
      } else {
        value += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace herd::server
