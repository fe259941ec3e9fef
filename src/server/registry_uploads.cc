#include "server/registry_uploads.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <openssl/rand.h>
#include <vector>

namespace herd::server {

struct UploadSessions::Session {
  std::mutex mu;  // one request at a time writes to the file
  std::string path;
  int fd = -1;
  uint64_t size = 0;
  bool ended = false;
  std::chrono::steady_clock::time_point last_used;

  void close_and_remove() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    ::unlink(path.c_str());
    ended = true;
  }
};

UploadSessions::UploadSessions(store::StoreLayout layout, UploadParams params)
    : layout_(std::move(layout)), params_(params) {}

UploadSessions::~UploadSessions() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, s] : sessions_) {
    std::lock_guard<std::mutex> session_lock(s->mu);
    s->close_and_remove();
  }
}

void UploadSessions::expire_idle_locked() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    std::unique_lock<std::mutex> session_lock(it->second->mu, std::try_to_lock);
    if (session_lock.owns_lock() && now - it->second->last_used > params_.idle_limit) {
      it->second->close_and_remove();
      session_lock.unlock();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::string> UploadSessions::start() {
  HERD_RETURN_IF_ERROR(layout_.ensure_directories());
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return internal_error("no random bytes for an upload id");
  std::string id;
  for (unsigned char b : raw) {
    id += "0123456789abcdef"[b >> 4];
    id += "0123456789abcdef"[b & 15];
  }
  auto s = std::make_shared<Session>();
  s->path = layout_.tmp_dir() + "/upload-" + id + ".partial";
  s->last_used = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  expire_idle_locked();
  if (sessions_.size() >= params_.max_uploads) {
    return resource_exhausted("too many uploads in progress (" + std::to_string(params_.max_uploads) + ")");
  }
  s->fd = ::open(s->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (s->fd < 0) return io_error("creating an upload file in " + layout_.tmp_dir() + ": " + std::strerror(errno));
  sessions_.emplace(id, std::move(s));
  return id;
}

std::shared_ptr<UploadSessions::Session> UploadSessions::find(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

void UploadSessions::drop(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

Status UploadSessions::write_locked(Session& s, std::string_view bytes) {
  if (bytes.size() > params_.max_blob_bytes - s.size) {
    return resource_exhausted("the upload is larger than " + std::to_string(params_.max_blob_bytes) + " bytes");
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(s.fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(std::string("writing an upload: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
    s.size += static_cast<uint64_t>(n);
  }
  s.last_used = std::chrono::steady_clock::now();
  return Status();
}

Result<uint64_t> UploadSessions::append(const std::string& id, std::optional<uint64_t> at, std::string_view bytes) {
  std::shared_ptr<Session> s = find(id);
  if (!s) return not_found("no such upload");
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->ended) return not_found("no such upload");
  if (at && *at != s->size) {
    return out_of_range("the piece starts at " + std::to_string(*at) + " but " + std::to_string(s->size) +
                        " bytes have arrived");
  }
  Status written = write_locked(*s, bytes);
  if (!written.ok()) {
    s->close_and_remove();
    drop(id);
    return written;
  }
  return s->size;
}

Status UploadSessions::finish(const std::string& id, std::string_view bytes, const store::Digest& digest) {
  std::shared_ptr<Session> s = find(id);
  if (!s) return not_found("no such upload");
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->ended) return not_found("no such upload");
  drop(id);
  Status status = write_locked(*s, bytes);
  if (status.ok() && ::close(s->fd) != 0) status = io_error(std::string("closing an upload: ") + std::strerror(errno));
  s->fd = -1;
  if (status.ok()) {
    // A `herd rm` sweep must not run while the blob moves in (it could see it unnamed).
    Result<store::FileLock> gc = store::FileLock::acquire(layout_.gc_lock_path(), store::FileLock::Mode::kShared, true);
    status = gc.ok() ? store::commit_blob_file(layout_, s->path, digest) : gc.status();
  }
  // commit_blob_file leaves no file behind on a mismatch; on any other failure we remove it.
  s->close_and_remove();
  return status;
}

bool UploadSessions::cancel(const std::string& id) {
  std::shared_ptr<Session> s = find(id);
  if (!s) return false;
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->ended) return false;
  drop(id);
  s->close_and_remove();
  return true;
}

}  // namespace herd::server
