#include "store/model_pull.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

#include "gguf/gguf_file.h"
#include "store/hf_client.h"
#include "store/http_fetch.h"
#include "store/registry_client.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

bool has_url_scheme(std::string_view name) { return name.rfind("http://", 0) == 0 || name.rfind("https://", 0) == 0; }

bool ends_with_gguf(std::string_view path) { return ascii_lower(path).ends_with(".gguf"); }

std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> segs;
  size_t start = 0;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (end > start) segs.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segs;
}

// Downloads one blob, telling the observer.
Result<Digest> fetch_blob(const StoreLayout& layout, const BlobSource& source, const std::string& label,
                          const PullOptions& options) {
  DownloadOptions download = options.download;
  PullObserver* observer = options.observer;
  if (observer != nullptr) {
    download.on_bytes = [observer](uint64_t n, bool resumed) { observer->bytes(n, resumed); };
    observer->blob_started(label, source.size);
  }
  Result<Digest> d = download_blob(layout, source, download);
  if (observer != nullptr) observer->blob_finished();
  return d;
}

// A manifest for a bare GGUF blob: the model layer, and a config blob describing it.
Result<Manifest> manifest_for_gguf(const StoreLayout& layout, const Digest& digest, const PullOptions& options) {
  const std::string path = layout.blob_path(digest);
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) return io_error("stat " + path + ": " + ec.message());
  Result<std::unique_ptr<GgufFile>> gguf = GgufFile::open(path);
  if (!gguf.ok()) return gguf.status().with_context("the downloaded file is not a usable GGUF");
  ModelConfig config;
  if (options.describe) {
    config = options.describe(path);
  } else if (Result<std::string_view> arch = (*gguf)->get_string("general.architecture"); arch.ok()) {
    config.model_family = std::string(*arch);
  }
  config.diff_ids = {digest.to_string()};
  const std::string config_json = config.to_json();
  HERD_ASSIGN_OR_RETURN(const Digest config_digest, put_blob_bytes(layout, config_json));
  Manifest m;
  m.config = {std::string(kConfigMediaType), config_digest, config_json.size()};
  m.layers.push_back({layer_media_type(LayerKind::kModel), digest, size});
  return m;
}

// Writes the manifest (`json`, which says `m`) unless the store already has this one.
Result<PullOutcome> install_manifest(const ModelStore& store, const ModelRef& ref, const Manifest& m,
                                     const std::string& json) {
  if (Result<StoreEntry> old = store.entry(ref); old.ok() && old->manifest.to_json() == m.to_json()) {
    return PullOutcome::kUnchanged;
  }
  HERD_RETURN_IF_ERROR(store.put_manifest(ref, json));
  return PullOutcome::kPulled;
}

Result<PullOutcome> pull_from_registry(const ModelStore& store, const ModelRef& ref, const PullOptions& options) {
  const std::string base = registry_base_url(ref, options.registry);
  if (options.observer != nullptr) options.observer->message("pulling manifest of " + ref.short_name());
HERD_ASSIGN_OR_RETURN(const RegistryManifest fetched,
                        fetch_registry_manifest(base, ref, options.download.connect_timeout_s,
                                                options.download.stall_timeout_s));
  const Manifest& m = fetched.manifest;
  std::vector<const Descriptor*> blobs = {&m.config};
  for (const Descriptor& d : m.layers) blobs.push_back(&d);
  for (const Descriptor* d : blobs) {
    if (store.has_blob(d->digest)) continue;
    BlobSource source{registry_blob_url(base, ref, d->digest), std::nullopt, d->digest, d->size};
    const std::string label = d->media_type.rfind(kLayerPrefix, 0) == 0
                                  ? d->media_type.substr(kLayerPrefix.size())
                                  : std::string("config");
    const std::string shown = label + " " + d->digest.hex().substr(0, 12);
    HERD_RETURN_IF_ERROR(fetch_blob(store.layout(), source, shown, options).status());
  }
  return install_manifest(store, ref, m, fetched.json);
}

Result<PullOutcome> pull_gguf(const ModelStore& store, const PullName& name, const PullOptions& options) {
  BlobSource source;
  if (name.url) {
    source.url = *name.url;
    // The token is for the Hugging Face endpoint; a URL elsewhere never sees it.
    Result<std::string> origin = url_origin(*name.url), hf_origin = url_origin(options.hf_endpoint);
    if (origin.ok() && hf_origin.ok() && *origin == *hf_origin) source.bearer_token = options.hf_token;
  } else {
    if (options.observer != nullptr) options.observer->message("listing " + name.ref.short_name());
    HERD_ASSIGN_OR_RETURN(const HfFile file,
                          find_hf_gguf(options.hf_endpoint, name.ref, options.hf_token,
                                       options.download.connect_timeout_s, options.download.stall_timeout_s));
    source =
        BlobSource{hf_resolve_url(options.hf_endpoint, name.ref, file.path), options.hf_token, file.digest, file.size};
  }
  Digest digest;
  if (source.digest && store.has_blob(*source.digest)) {
    digest = *source.digest;
  } else {
    const std::string label = source.url.substr(source.url.rfind('/') + 1);
    HERD_ASSIGN_OR_RETURN(digest, fetch_blob(store.layout(), source, label, options));
  }
  HERD_ASSIGN_OR_RETURN(const Manifest m, manifest_for_gguf(store.layout(), digest, options));
  return install_manifest(store, name.ref, m, m.to_json());
}

}  // namespace

Result<PullName> parse_pull_name(std::string_view name) {
  if (has_url_scheme(name)) {
    HERD_ASSIGN_OR_RETURN(const UrlParts url, parse_url(std::string(name)));
    if (ends_with_gguf(url.path)) {
      const std::vector<std::string> segs = path_segments(url.path);
      const std::string file = segs.back();
      const std::string stem = file.substr(0, file.size() - 5);
      std::string ns = segs.size() >= 2 ? segs[segs.size() - 2] : std::string(kDefaultNamespace);
      std::string model = stem, tag = std::string(kDefaultTag);
      if (segs.size() >= 5 && segs[2] == "resolve") {  // USER/REPO/resolve/REV/FILE
        ns = segs[0];
        model = segs[1];
        tag = valid_tag(stem) ? stem : std::string(kDefaultTag);
      }
      const std::string host = url.host + (url.explicit_port ? ":" + url.port : "");
      Result<ModelRef> ref = ModelRef::parse(url.scheme + "://" + host + "/" + ns + "/" + model + ":" + tag);
      if (!ref.ok()) return ref.status().with_context("naming the model at " + std::string(name));
      return PullName{*ref, std::string(name)};
    }
  }
  HERD_ASSIGN_OR_RETURN(ModelRef ref, ModelRef::parse(name));
  return PullName{std::move(ref), std::nullopt};
}

Result<PullResult> pull_model(const ModelStore& store, std::string_view name, const PullOptions& options) {
  HERD_ASSIGN_OR_RETURN(const PullName pull, parse_pull_name(name));
  PullResult result{pull.ref, PullOutcome::kPresent};
  const bool present = store.contains(pull.ref);
  if (options.offline) {
    if (present) return result;
    return unavailable(pull.ref.short_name() + " is not in the store, and --offline forbids downloading it");
  }
  if (present && !options.update) return result;
  HERD_RETURN_IF_ERROR(store.layout().ensure_directories());
  // Shared with other pulls; `herd rm`'s sweep takes it exclusively, so it cannot delete a blob
  // this pull has fetched but not yet named in a manifest.
  HERD_ASSIGN_OR_RETURN(FileLock gc, FileLock::acquire(store.layout().gc_lock_path(), FileLock::Mode::kShared, true));
  Result<PullOutcome> outcome = pull.url || pull.ref.is_hugging_face() ? pull_gguf(store, pull, options)
                                                                        : pull_from_registry(store, pull.ref, options);
  if (!outcome.ok()) return outcome.status().with_context("pulling " + pull.ref.short_name());
  result.outcome = *outcome;
  return result;
}

}  // namespace herd::store
