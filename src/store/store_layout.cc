#include "store/store_layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/mapped_file.h"

namespace herd::store {

Status errno_status(const std::string& what, int e) {
  const StatusCode code = e == ENOSPC || e == EDQUOT ? StatusCode::kResourceExhausted
                          : e == ENOENT          ? StatusCode::kNotFound
                                                 : StatusCode::kIoError;
  return Status(code, what + ": " + std::strerror(e));
}

namespace {

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash == 0 ? 1 : slash);
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("writing " + path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status();
}

std::string unique_tmp_name(const std::string& tmp_dir, const std::string& base) {
  static std::atomic<uint64_t> counter{0};
  return tmp_dir + "/" + base + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".tmp";
}

}  // namespace

StoreLayout StoreLayout::from_environment() {
  const char* home = std::getenv("HERD_HOME");
  if (home != nullptr && *home != '\0') return StoreLayout(home);
  const char* user_home = std::getenv("HOME");
  return StoreLayout(std::string(user_home != nullptr && *user_home != '\0' ? user_home : ".") + "/.herd");
}

StoreLayout::StoreLayout(std::string home) : home_(std::move(home)) {
  while (home_.size() > 1 && home_.back() == '/') home_.pop_back();
}

std::string StoreLayout::models_dir() const { return home_ + "/models"; }
std::string StoreLayout::blobs_dir() const { return models_dir() + "/blobs"; }
std::string StoreLayout::manifests_dir() const { return models_dir() + "/manifests"; }
std::string StoreLayout::tmp_dir() const { return models_dir() + "/tmp"; }
std::string StoreLayout::blob_path(const Digest& d) const { return blobs_dir() + "/" + d.file_name(); }
std::string StoreLayout::partial_path(const Digest& d) const { return tmp_dir() + "/" + d.file_name() + ".partial"; }
std::string StoreLayout::blob_lock_path(const Digest& d) const { return tmp_dir() + "/" + d.file_name() + ".lock"; }
std::string StoreLayout::manifest_path(const ModelRef& r) const { return models_dir() + "/" + r.manifest_relative_path(); }
std::string StoreLayout::gc_lock_path() const { return models_dir() + "/.gc.lock"; }

Status StoreLayout::ensure_directories() const {
  for (const std::string& dir : {home_, models_dir(), blobs_dir(), manifests_dir(), tmp_dir()}) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_status("creating " + dir);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return errno_status(dir);
    if (!S_ISDIR(st.st_mode)) return io_error(dir + ": not a directory");
  }
  return Status();
}

Result<std::string> read_small_file(const std::string& path, size_t limit) {
  HERD_RETURN_IF_ERROR(check_regular_file(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error(path + ": " + std::strerror(errno));
  if (static_cast<uint64_t>(st.st_size) > limit) {
    return invalid_argument(path + ": larger than " + std::to_string(limit) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot be read");
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  if (text.size() > limit) return invalid_argument(path + ": larger than " + std::to_string(limit) + " bytes");
  return text;
}

Status fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening " + dir);
  const int rc = ::fsync(fd);
  const Status s = rc == 0 ? Status() : errno_status("fsync " + dir);
  ::close(fd);
  return s;
}

Status write_file_atomically(const std::string& tmp_dir, const std::string& path, std::string_view contents) {
  std::error_code ec;
  const std::string dir = parent_of(path);
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("creating " + dir + ": " + ec.message());
  const std::string tmp = unique_tmp_name(tmp_dir, path.substr(path.find_last_of('/') + 1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating " + tmp);
  Status s = write_all(fd, contents, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = errno_status("fsync " + tmp);
  if (::close(fd) != 0 && s.ok()) s = errno_status("closing " + tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = errno_status("renaming to " + path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_directory(dir);
}

Status commit_blob_file(const StoreLayout& layout, const std::string& tmp_file, const Digest& expected) {
  Result<Digest> actual = sha256_of_file(tmp_file);
  if (!actual.ok()) {
    ::unlink(tmp_file.c_str());
    return actual.status();
  }
  if (*actual != expected) {
    ::unlink(tmp_file.c_str());
    return corrupt_file("digest mismatch: expected " + expected.to_string() + ", got " + actual->to_string());
  }
  return install_blob_file(layout, tmp_file, expected);
}

Status install_blob_file(const StoreLayout& layout, const std::string& tmp_file, const Digest& digest) {
  const int fd = ::open(tmp_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening " + tmp_file);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return errno_status("fsync " + tmp_file);
  ::chmod(tmp_file.c_str(), 0444);
  const std::string dest = layout.blob_path(digest);
  if (::rename(tmp_file.c_str(), dest.c_str()) != 0) return errno_status("renaming to " + dest);
  return fsync_directory(layout.blobs_dir());
}

Result<Digest> put_blob_bytes(const StoreLayout& layout, std::string_view contents) {
  const Digest d = sha256_of(contents);
  if (::access(layout.blob_path(d).c_str(), F_OK) == 0) return d;
  HERD_RETURN_IF_ERROR(layout.ensure_directories());
  const std::string tmp = unique_tmp_name(layout.tmp_dir(), d.file_name());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating " + tmp);
  Status s = write_all(fd, contents, tmp);
  if (::close(fd) != 0 && s.ok()) s = errno_status("closing " + tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  HERD_RETURN_IF_ERROR(install_blob_file(layout, tmp, d));  // d was computed from these very bytes
  return d;
}

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode, bool wait) {
  // `herd prune` unlinks lock files it holds, so a lock taken on a file that is no longer at
  // `path` (another process would lock a new one there) is let go and taken again.
  for (;;) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("opening lock " + path);
    const int op = (mode == Mode::kShared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
    int rc;
    do {
      rc = ::flock(fd, op);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK) return unavailable(path + " is held by another process");
      errno = e;
      return errno_status("locking " + path);
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      FileLock lock;
      lock.fd_ = fd;
      return lock;
    }
    ::close(fd);
  }
}

FileLock::FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
FileLock& FileLock::operator=(FileLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}
FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace herd::store
