#include "server/registry_catalog.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "store/manifest.h"

namespace herd::server {
namespace {

namespace fs = std::filesystem;

// The manifest for `ref`, checked to be one; kNotFound when absent.
Result<StoredManifest> read_manifest(const store::ModelStore& store, const store::ModelRef& ref) {
  HERD_ASSIGN_OR_RETURN(std::string bytes, store.read_manifest_bytes(ref));
  HERD_RETURN_IF_ERROR(store::Manifest::parse(bytes).status().with_context(ref.full_name()));
  StoredManifest out{ref, std::move(bytes), {}};
  out.digest = store::sha256_of(out.bytes);
  return out;
}

}  // namespace

store::ModelRef pushed_ref(const std::string& ns, const std::string& model, const std::string& tag) {
  store::ModelRef ref;
  ref.host = std::string(store::kDefaultHost);
  ref.ns = ns;
  ref.model = model;
  ref.tag = tag;
  return ref;
}

Result<StoredManifest> find_stored_manifest(const store::ModelStore& store, const std::string& ns,
                                            const std::string& model, const std::string& tag) {
  store::ModelRef ref = pushed_ref(ns, model, tag);
  Result<StoredManifest> found = read_manifest(store, ref);
  if (found.ok() || found.status().code() != StatusCode::kNotFound) return found;

  std::vector<std::string> hosts;
  std::error_code ec;
  for (fs::directory_iterator it(store.layout().manifests_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Only directory names that are hosts: nothing else may become part of a path.
    if (name != store::kDefaultHost && store::valid_host(name) && it->is_directory(ec)) hosts.push_back(name);
  }
  std::sort(hosts.begin(), hosts.end());
  for (const std::string& host : hosts) {
    ref.host = host;
    found = read_manifest(store, ref);
    if (found.ok() || found.status().code() != StatusCode::kNotFound) return found;
  }
  return not_found("manifest unknown");
}

bool is_served_blob(const store::ModelStore& store, const store::Digest& digest) {
  if (!store.has_blob(digest)) return false;
  Result<std::vector<store::StoreEntry>> entries = store.list();
  if (!entries.ok()) return false;
  for (const store::StoreEntry& e : *entries) {
    if (e.manifest.config.digest == digest) return true;
    for (const store::Descriptor& layer : e.manifest.layers) {
      if (layer.digest == digest) return true;
    }
  }
  return false;
}

}  // namespace herd::server
