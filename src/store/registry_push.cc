#include "store/registry_push.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "store/http_fetch.h"
#include "store/manifest.h"

namespace herd::store {
namespace {

constexpr size_t kMinPiece = 64u << 10;

// A blob file open for reading, closed however the push ends.
struct BlobFile {
  int fd = -1;
  ~BlobFile() {
    if (fd >= 0) ::close(fd);
  }
};

// The registry's own words from an error body ({"errors":[{"code","message"}]}), short; ""
// when the body is not one.
std::string registry_error_text(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty()) return "";
  const nlohmann::json& e = j["errors"][0];
  if (!e.is_object()) return "";
  std::string text;
  if (e.contains("code") && e["code"].is_string()) text = e["code"].get<std::string>();
  if (e.contains("message") && e["message"].is_string()) {
    text += (text.empty() ? "" : ": ") + e["message"].get<std::string>();
  }
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

class Pusher {
 public:
  Pusher(const ModelStore& store, const PushParams& params)
      : store_(store),
        params_(params),
        origin_(params.target.scheme + "://" + params.target.host),
        repository_(origin_ + "/v2/" + params.target.ns + "/" + params.target.model) {}

  Result<Digest> run() {
    HERD_ASSIGN_OR_RETURN(const std::string bytes, store_.read_manifest_bytes(params_.source));
    HERD_ASSIGN_OR_RETURN(Manifest manifest, Manifest::parse(bytes));
    std::vector<Descriptor> blobs = {manifest.config};
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
    for (const Descriptor& d : blobs) HERD_RETURN_IF_ERROR(push_blob(d));
    HttpRequest put_manifest = request("PUT", repository_ + "/manifests/" + params_.target.tag);
    put_manifest.headers = {{"Content-Type", std::string(kManifestMediaType)}};
    put_manifest.body = bytes;
    HERD_ASSIGN_OR_RETURN(const HttpResponse put, http_fetch(put_manifest));
    if (put.status != 201 && put.status != 200) return refused("putting the manifest", put);
    return sha256_of(bytes);
  }

 private:
  // A push follows no redirect: every Location is judged by follow(), and the key goes only to
  // the target's origin.
  HttpRequest request(std::string method, std::string url) const {
    HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    if (!params_.key.empty()) r.bearer_token = params_.key;
    r.follow_redirects = false;
    r.connect_timeout_s = 30;
    r.stall_timeout_s = 120;
    return r;
  }

  Status refused(const std::string& what, const HttpResponse& reply) const {
    const std::string words = registry_error_text(reply.error_body);
    if (reply.status == 401) {
      return invalid_argument(what + ": " + origin_ + " refused the push key (401" + (words.empty() ? "" : ": " + words) +
                              ")");
    }
    return invalid_argument(what + ": " + origin_ + " answered " + std::to_string(reply.status) +
                            (words.empty() ? "" : " (" + words + ")"));
  }

  // The key goes to the target's own origin only: an upload sent elsewhere is refused.
  Result<std::string> follow(const std::string& location) const {
    if (!location.empty() && location.front() == '/') return origin_ + location;
    if (location.rfind(origin_ + "/", 0) == 0) return location;
    if (location.empty()) return invalid_argument(origin_ + " gave no upload location");
    return invalid_argument(origin_ + " sent the upload to another host; herd sends the key only to " + origin_);
  }

  void report(const PushProgress& p) const {
    if (params_.on_progress) params_.on_progress(p);
  }

  Status push_blob(const Descriptor& d) {
    PushProgress progress{d.digest, d.size, 0, false, false};
    const std::string name = d.digest.to_string();
    HERD_ASSIGN_OR_RETURN(const HttpResponse head, http_fetch(request("HEAD", repository_ + "/blobs/" + name)));
    if (head.status == 200) {
      progress.exists = progress.done = true;
      progress.sent = d.size;
      report(progress);
      return Status();
    }
    if (head.status != 404) return refused("checking blob " + name, head);

    BlobFile file;
    const std::string path = store_.layout().blob_path(d.digest);
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) return not_found("blob " + name + " is missing from the local store");
    struct stat st {};
    if (::fstat(file.fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != d.size) {
      return corrupt_file("blob " + name + " in the local store is not the size its manifest says");
    }

    HERD_ASSIGN_OR_RETURN(const HttpResponse started, http_fetch(request("POST", repository_ + "/blobs/uploads/")));
    if (started.status != 202) return refused("starting the upload of " + name, started);
    HERD_ASSIGN_OR_RETURN(std::string location, follow(started.header("location")));
    report(progress);
    size_t piece = std::max(params_.piece_bytes, kMinPiece);
    while (progress.sent < d.size) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(piece, d.size - progress.sent));
      const std::string range = std::to_string(progress.sent) + "-" + std::to_string(progress.sent + n - 1);
      HttpRequest patch = request("PATCH", location);
      patch.headers = {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}};
      patch.body_fd = file.fd;
      patch.body_offset = progress.sent;
      patch.body_length = n;
      HERD_ASSIGN_OR_RETURN(const HttpResponse patched, http_fetch(patch));
      if (patched.status == 413 && piece > kMinPiece) {  // the remote takes smaller bodies
        piece = std::max(piece / 2, kMinPiece);
        continue;
      }
      if (patched.status != 202) return refused("uploading " + name, patched);
      if (!patched.header("location").empty()) {
        HERD_ASSIGN_OR_RETURN(location, follow(patched.header("location")));
      }
      progress.sent += n;
      report(progress);
    }
    const std::string finish = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + name;
    HttpRequest put_blob = request("PUT", finish);
    put_blob.headers = {{"Content-Type", "application/octet-stream"}};
    HERD_ASSIGN_OR_RETURN(const HttpResponse put, http_fetch(put_blob));
    if (put.status != 201) return refused("finishing the upload of " + name, put);
    progress.done = true;
    report(progress);
    return Status();
  }

  const ModelStore& store_;
  const PushParams& params_;
  const std::string origin_;
  const std::string repository_;
};

}  // namespace

Result<ModelRef> parse_push_target(std::string_view text) {
  if (text.find("://") == std::string_view::npos) {
    return invalid_argument("a push target names its registry: http(s)://HOST[:PORT]/NAMESPACE/MODEL[:TAG]");
  }
  HERD_ASSIGN_OR_RETURN(ModelRef ref, ModelRef::parse(text));
  if (ref.is_hugging_face()) return invalid_argument("herd cannot push to Hugging Face");
  return ref;
}

Result<Digest> push_model(const ModelStore& store, const PushParams& params) {
  Pusher pusher(store, params);
  return pusher.run();
}

}  // namespace herd::store
