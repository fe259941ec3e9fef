#include "server/registry_routes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <utility>
#include <variant>

#include "http/byte_range.h"
#include "http/file_body.h"
#include "http/server.h"
#include "server/registry_catalog.h"
#include "server/registry_path.h"
#include "server/server_state.h"
#include "store/manifest.h"
#include "store/model_store.h"

namespace herd::server {
namespace {

using http::Request;
using http::ResponseWriter;
using Kind = RegistryPath::Kind;

constexpr std::string_view kApiVersion = "registry/2.0";

void send_registry_error(ResponseWriter& w, const RegistryError& e, http::Headers headers = {}) {
  http::Response r;
  r.status = e.status;
  r.headers = std::move(headers);
  r.set_header("Content-Type", "application/json");
  r.set_header("Docker-Distribution-API-Version", std::string(kApiVersion));
  r.body = registry_error_body(e);
  w.send(std::move(r));
}

void send_empty(ResponseWriter& w, int status, http::Headers headers) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.set_header("Docker-Distribution-API-Version", std::string(kApiVersion));
  w.send(std::move(r));
}

std::string repository_path(const RegistryPath& p) { return "/v2/" + p.ns + "/" + p.model; }

// "first-last" (Docker's PATCH Content-Range, optionally after "bytes "): the first byte.
std::optional<uint64_t> range_start(std::string_view value) {
  if (value.substr(0, 6) == "bytes ") value.remove_prefix(6);
  const size_t dash = value.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  uint64_t first = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + dash, first);
  if (ec != std::errc() || end != value.data() + dash) return std::nullopt;
  return first;
}

class Registry {
 public:
  Registry(const ServerState& state, RegistryParams params)
      : state_(state),
        store_(store::StoreLayout(params.home)),
        uploads_(store::StoreLayout(params.home), params.uploads),
        push_key_(std::move(params.push_key)) {}

  void read(const Request& req, ResponseWriter& w) {
    if (refused_by_policy(req, w)) return;
    std::variant<RegistryPath, RegistryError> parsed = parse_registry_path(req.path);
    if (auto* e = std::get_if<RegistryError>(&parsed)) return send_registry_error(w, *e);
    const RegistryPath& p = std::get<RegistryPath>(parsed);
    switch (p.kind) {
      case Kind::kRoot: {
        http::Response r;
        r.set_header("Content-Type", "application/json");
        r.set_header("Docker-Distribution-API-Version", std::string(kApiVersion));
        r.body = "{}";
        return void(w.send(std::move(r)));
      }
      case Kind::kManifest:
        return get_manifest(req, p, w);
      case Kind::kBlob:
        return get_blob(req, p, w);
      default:
        return send_registry_error(w, {404, "BLOB_UPLOAD_UNKNOWN", "no such upload"});
    }
  }

  void write(const Request& req, ResponseWriter& w) {
    if (refused_by_policy(req, w)) return;
    // The key first: nothing of a request without it is looked at further.
    if (!push_key_) {
      return send_registry_error(
          w, {403, "DENIED", "this herd does not accept pushes (start herd serve with --push-key or HERD_PUSH_KEY)"});
    }
    const std::optional<std::string_view> token = bearer_token(req);
    if (!token || !push_key_->matches(*token)) {
      return send_registry_error(w, {401, "UNAUTHORIZED", "a valid push key is required (Authorization: Bearer)"},
                                 {{"WWW-Authenticate", "Bearer realm=\"herd\""}});
    }
    std::variant<RegistryPath, RegistryError> parsed = parse_registry_path(req.path);
    if (auto* e = std::get_if<RegistryError>(&parsed)) return send_registry_error(w, *e);
    const RegistryPath& p = std::get<RegistryPath>(parsed);
    if (req.method == "POST" && p.kind == Kind::kUploads) return start_upload(req, p, w);
    if (req.method == "PATCH" && p.kind == Kind::kUpload) return continue_upload(req, p, w);
    if (req.method == "PUT" && p.kind == Kind::kUpload) return finish_upload(req, p, p.upload_id, w);
    if (req.method == "DELETE" && p.kind == Kind::kUpload) {
      if (!uploads_.cancel(p.upload_id)) return send_registry_error(w, {404, "BLOB_UPLOAD_UNKNOWN", "no such upload"});
      return send_empty(w, 204, {});
    }
    if (req.method == "PUT" && p.kind == Kind::kManifest) return put_manifest(req, p, w);
    send_registry_error(w, {405, "UNSUPPORTED", req.method + " is not supported here"});
  }

 private:
  bool refused_by_policy(const Request& req, ResponseWriter& w) {
    std::optional<ApiError> refused = check_browser_policy(req, state_.policy, /*json_body=*/false);
    if (!refused) return false;
    send_registry_error(w, {refused->http_status, "DENIED", refused->message});
    return true;
  }

  // A failure of ours: logged with the request id, answered without details.
  void internal(const Request& req, ResponseWriter& w, const Status& status) {
    state_.log("error: request " + req.id + ": registry: " + status.to_string());
    send_registry_error(w, {500, "UNKNOWN", "internal server error (request id " + req.id + ")"});
  }

  void get_manifest(const Request& req, const RegistryPath& p, ResponseWriter& w) {
    w.note().model = p.ns + "/" + p.model + ":" + p.tag;
    Result<StoredManifest> m = find_stored_manifest(store_, p.ns, p.model, p.tag);
    if (!m.ok() && m.status().code() == StatusCode::kNotFound) {
      return send_registry_error(w, {404, "MANIFEST_UNKNOWN", "manifest unknown: " + p.ns + "/" + p.model + ":" + p.tag});
    }
    if (!m.ok()) return internal(req, w, m.status());
    http::Response r;
    r.set_header("Content-Type", std::string(store::kManifestMediaType));
    r.set_header("Docker-Content-Digest", m->digest.to_string());
    r.set_header("Docker-Distribution-API-Version", std::string(kApiVersion));
    r.body = std::move(m->bytes);
    w.send(std::move(r));
  }

  void get_blob(const Request& req, const RegistryPath& p, ResponseWriter& w) {
    const store::Digest& digest = *p.digest;
    const RegistryError unknown{404, "BLOB_UNKNOWN", "blob unknown: " + digest.to_string()};
    if (!is_served_blob(store_, digest)) return send_registry_error(w, unknown);
    const int fd = ::open(store_.layout().blob_path(digest).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return send_registry_error(w, unknown);  // removed since the check
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return internal(req, w, io_error("stat of blob " + digest.to_string()));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    http::Headers headers = {{"Content-Type", "application/octet-stream"},
                             {"Docker-Content-Digest", digest.to_string()},
                             {"Docker-Distribution-API-Version", std::string(kApiVersion)},
                             {"Accept-Ranges", "bytes"}};
    const http::RangeChoice range = http::choose_byte_range(req.header("range"), size);
    if (range.kind == http::RangeChoice::Kind::kUnsatisfiable) {
      ::close(fd);
      headers.emplace_back("Content-Range", http::unsatisfiable_content_range(size));
      return send_registry_error(w, {416, "BLOB_UNKNOWN", "the range is past the end of the blob"}, headers);
    }
    int status = 200;
    http::ByteRange bytes{0, size};
    if (range.kind == http::RangeChoice::Kind::kPartial) {
      status = 206;
      bytes = range.range;
      headers.emplace_back("Content-Range", http::content_range(bytes, size));
    }
    http::send_file_body(req, w, status, std::move(headers), fd, bytes.first, bytes.length);
    ::close(fd);
  }

  http::Headers upload_headers(const RegistryPath& p, const std::string& id, uint64_t received) {
    return {{"Location", repository_path(p) + "/blobs/uploads/" + id},
            {"Docker-Upload-UUID", id},
            {"Range", "0-" + std::to_string(received == 0 ? 0 : received - 1)}};
  }

  // Maps an upload failure to the registry's answer.
  void upload_failed(const Request& req, ResponseWriter& w, const Status& status) {
    switch (status.code()) {
      case StatusCode::kNotFound:
        return send_registry_error(w, {404, "BLOB_UPLOAD_UNKNOWN", "no such upload"});
      case StatusCode::kOutOfRange:
        return send_registry_error(w, {416, "BLOB_UPLOAD_INVALID", status.message()});
      case StatusCode::kResourceExhausted:
        return send_registry_error(w, {413, "SIZE_INVALID", status.message()});
      case StatusCode::kCorruptFile:
        return send_registry_error(w, {400, "DIGEST_INVALID", status.message()});
      default:
        return internal(req, w, status);
    }
  }

  void start_upload(const Request& req, const RegistryPath& p, ResponseWriter& w) {
    Result<std::string> id = uploads_.start();
    if (!id.ok() && id.status().code() == StatusCode::kResourceExhausted) {
      return send_registry_error(w, {429, "TOOMANYREQUESTS", id.status().message()});
    }
    if (!id.ok()) return internal(req, w, id.status());
    // A monolithic upload: POST ?digest= with the whole blob as the body.
    if (query_value(req.query, "digest")) return finish_upload(req, p, *id, w);
    send_empty(w, 202, upload_headers(p, *id, 0));
  }

  void continue_upload(const Request& req, const RegistryPath& p, ResponseWriter& w) {
    std::optional<uint64_t> at;
    if (std::optional<std::string_view> range = req.header("content-range")) {
      at = range_start(*range);
      if (!at) return send_registry_error(w, {416, "BLOB_UPLOAD_INVALID", "malformed Content-Range"});
    }
    Result<uint64_t> size = uploads_.append(p.upload_id, at, req.body);
    if (!size.ok()) return upload_failed(req, w, size.status());
    send_empty(w, 202, upload_headers(p, p.upload_id, *size));
  }

  void finish_upload(const Request& req, const RegistryPath& p, const std::string& id, ResponseWriter& w) {
    const std::optional<std::string> text = query_value(req.query, "digest");
    Result<store::Digest> digest = store::Digest::parse(text.value_or(""));
    if (!digest.ok()) {
      uploads_.cancel(id);
      return send_registry_error(w, {400, "DIGEST_INVALID", "the upload needs ?digest=sha256:<64 hex>"});
    }
    Status done = uploads_.finish(id, req.body, *digest);
    if (!done.ok()) return upload_failed(req, w, done);
    send_empty(w, 201, {{"Location", repository_path(p) + "/blobs/" + digest->to_string()},
                        {"Docker-Content-Digest", digest->to_string()}});
  }

  void put_manifest(const Request& req, const RegistryPath& p, ResponseWriter& w) {
    w.note().model = p.ns + "/" + p.model + ":" + p.tag;
    if (req.body.size() > store::kMaxManifestBytes) {
      return send_registry_error(w, {400, "MANIFEST_INVALID", "the manifest is too large"});
    }
    // put_manifest keeps these exact bytes, so the digest the pusher computed holds here.
    const Status stored = store_.put_manifest(pushed_ref(p.ns, p.model, p.tag), req.body);
    if (stored.code() == StatusCode::kNotFound) {
      return send_registry_error(w, {400, "MANIFEST_BLOB_UNKNOWN", stored.message()});
    }
    if (stored.code() == StatusCode::kInvalidArgument || stored.code() == StatusCode::kCorruptFile) {
      return send_registry_error(w, {400, "MANIFEST_INVALID", stored.message()});
    }
    if (!stored.ok()) return internal(req, w, stored);
    send_empty(w, 201, {{"Location", repository_path(p) + "/manifests/" + p.tag},
                        {"Docker-Content-Digest", store::sha256_of(req.body).to_string()}});
  }

  const ServerState& state_;
  store::ModelStore store_;
  UploadSessions uploads_;
  std::shared_ptr<const PushKey> push_key_;
};

}  // namespace

void install_registry_routes(http::Server& http, const ServerState& state, RegistryParams params) {
  auto registry = std::make_shared<Registry>(state, std::move(params));
  auto read = [registry](const Request& req, ResponseWriter& w) { registry->read(req, w); };
  auto write = [registry](const Request& req, ResponseWriter& w) { registry->write(req, w); };
  http.route("GET", "/v2", http::Lane::kCheap, read);
  http.route("GET", "/v2/", http::Lane::kCheap, read);
  http.route_prefix("GET", "/v2/", http::Lane::kHeavy, read);
  for (const char* method : {"POST", "PATCH", "PUT", "DELETE"}) {
    http.route_prefix(method, "/v2/", http::Lane::kHeavy, write);
  }
}

}  // namespace herd::server
