#include "store/registry_client.h"

#include "store/http_fetch.h"

namespace herd::store {

std::string registry_base_url(const ModelRef& ref, const std::string& configured) {
  std::string base = ref.host == kDefaultHost ? configured : ref.scheme + "://" + ref.host;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string registry_manifest_url(const std::string& base, const ModelRef& ref) {
  return base + "/v2/" + ref.ns + "/" + ref.model + "/manifests/" + ref.tag;
}

std::string registry_blob_url(const std::string& base, const ModelRef& ref, const Digest& digest) {
  return base + "/v2/" + ref.ns + "/" + ref.model + "/blobs/" + digest.to_string();
}

Result<RegistryManifest> fetch_registry_manifest(const std::string& base, const ModelRef& ref, int connect_timeout_s,
                                         int stall_timeout_s) {
  HttpRequest req;
  req.url = registry_manifest_url(base, ref);
  req.headers.emplace_back("Accept", std::string(kManifestMediaType));
  req.connect_timeout_s = connect_timeout_s;
  req.stall_timeout_s = stall_timeout_s;
  Result<std::string> body = http_get_text(req, kMaxManifestBytes);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kNotFound) {
      return not_found(ref.short_name() + " is not in the registry at " + base);
    }
    return body.status().with_context("fetching the manifest of " + ref.short_name());
  }
  Result<Manifest> m = Manifest::parse(*body);
  if (!m.ok()) return m.status().with_context("the manifest of " + ref.short_name() + " from " + base);
  return RegistryManifest{std::move(*body), std::move(*m)};
}

}  // namespace herd::store
