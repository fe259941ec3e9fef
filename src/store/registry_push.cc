#include "store/registry_push.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "store/manifest.h"
#include "store/push_http.h"

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

Status read_exactly(int fd, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out->data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return io_error(std::string("reading a blob: ") + (r == 0 ? "it ended early" : std::strerror(errno)));
    got += static_cast<size_t>(r);
  }
  return Status();
}

class Pusher {
 public:
  Pusher(const ModelStore& store, const PushParams& params)
      : store_(store),
        params_(params),
        http_(params.key),
        origin_(params.target.scheme + "://" + params.target.host),
        repository_(origin_ + "/v2/" + params.target.ns + "/" + params.target.model) {}

  Result<Digest> run() {
    HERD_ASSIGN_OR_RETURN(const std::string bytes, store_.read_manifest_bytes(params_.source));
    HERD_ASSIGN_OR_RETURN(Manifest manifest, Manifest::parse(bytes));
    std::vector<Descriptor> blobs = {manifest.config};
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
    for (const Descriptor& d : blobs) HERD_RETURN_IF_ERROR(push_blob(d));
    HERD_ASSIGN_OR_RETURN(PushReply put, http_.send("PUT", repository_ + "/manifests/" + params_.target.tag, bytes,
                                                    {"Content-Type: " + std::string(kManifestMediaType)}));
    if (put.status != 201 && put.status != 200) return refused("putting the manifest", put);
    return sha256_of(bytes);
  }

 private:
  Status refused(const std::string& what, const PushReply& reply) const {
    const std::string words = registry_error_text(reply.body);
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
    HERD_ASSIGN_OR_RETURN(PushReply head, http_.send("HEAD", repository_ + "/blobs/" + name, ""));
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

    HERD_ASSIGN_OR_RETURN(PushReply started, http_.send("POST", repository_ + "/blobs/uploads/", ""));
    if (started.status != 202) return refused("starting the upload of " + name, started);
    HERD_ASSIGN_OR_RETURN(std::string location, follow(started.location));
    report(progress);
    size_t piece = std::max(params_.piece_bytes, kMinPiece);
    std::string buffer;
    while (progress.sent < d.size) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(piece, d.size - progress.sent));
      HERD_RETURN_IF_ERROR(read_exactly(file.fd, progress.sent, n, &buffer));
      const std::string range = std::to_string(progress.sent) + "-" + std::to_string(progress.sent + n - 1);
      const std::vector<std::string> headers = {"Content-Type: application/octet-stream", "Content-Range: " + range};
      HERD_ASSIGN_OR_RETURN(PushReply patched, http_.send("PATCH", location, buffer, headers));
      if (patched.status == 413 && piece > kMinPiece) {  // the remote takes smaller bodies
        piece = std::max(piece / 2, kMinPiece);
        continue;
      }
      if (patched.status != 202) return refused("uploading " + name, patched);
      if (!patched.location.empty()) {
        HERD_ASSIGN_OR_RETURN(location, follow(patched.location));
      }
      progress.sent += n;
      report(progress);
    }
    const std::string finish = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + name;
    HERD_ASSIGN_OR_RETURN(PushReply put, http_.send("PUT", finish, "", {"Content-Type: application/octet-stream"}));
    if (put.status != 201) return refused("finishing the upload of " + name, put);
    progress.done = true;
    report(progress);
    return Status();
  }

  const ModelStore& store_;
  const PushParams& params_;
  PushHttp http_;
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
