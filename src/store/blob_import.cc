#include "store/blob_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/mapped_file.h"

namespace herd::store {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads `in` to the end, hashing, and writing to `out` when out >= 0.
Result<Digest> stream(int in, int out, uint64_t total, const std::string& path,
                      const std::function<void(uint64_t, uint64_t)>& on_bytes) {
  Sha256 hash;
  std::vector<uint8_t> buf(size_t{4} << 20);
  uint64_t done = 0;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("reading " + path);
    if (n == 0) break;
    hash.update(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    for (ssize_t off = 0; out >= 0 && off < n;) {
      const ssize_t w = ::write(out, buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno_status("writing the store");
      off += w;
    }
    done += static_cast<uint64_t>(n);
    if (on_bytes) on_bytes(done, total);
  }
  return hash.finish();
}

Status mismatch(const std::string& path, const Digest& want, const Digest& got) {
  return corrupt_file(path + ": digest mismatch: expected " + want.to_string() + ", got " + got.to_string());
}

}  // namespace

Result<ImportedBlob> import_blob_file(const StoreLayout& layout, const std::string& path,
                                      const std::optional<Digest>& expected, ImportMode mode,
                                      const std::function<void(uint64_t, uint64_t)>& on_bytes) {
  HERD_RETURN_IF_ERROR(check_regular_file(path));
  HERD_RETURN_IF_ERROR(layout.ensure_directories());
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return errno_status("opening " + path);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return errno_status(path);
  ImportedBlob blob;
  blob.size = static_cast<uint64_t>(st.st_size);
  if (expected && ::access(layout.blob_path(*expected).c_str(), F_OK) == 0) {
    blob.digest = *expected;
    blob.existed = true;
    return blob;
  }
  if (mode == ImportMode::kLinkOrCopy) {
    // Hash the source first: a link makes the very same bytes the blob, so they must match.
    HERD_ASSIGN_OR_RETURN(Digest d, stream(in.get(), -1, blob.size, path, on_bytes));
    if (expected && d != *expected) return mismatch(path, *expected, d);
    blob.digest = d;
    const std::string dest = layout.blob_path(d);
    if (::access(dest.c_str(), F_OK) == 0) {
      blob.existed = true;
      return blob;
    }
    // AT_SYMLINK_FOLLOW: the HF cache's snapshot files are symlinks; link what they point at.
    if (::linkat(AT_FDCWD, path.c_str(), AT_FDCWD, dest.c_str(), AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST) {
      blob.linked = true;
      HERD_RETURN_IF_ERROR(fsync_directory(layout.blobs_dir()));
      return blob;
    }
    if (::lseek(in.get(), 0, SEEK_SET) != 0) return errno_status("rewinding " + path);
  }
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = layout.tmp_dir() + "/import." + std::to_string(::getpid()) + "." +
                          std::to_string(counter++) + ".tmp";
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return errno_status("creating " + tmp);
  Result<Digest> d = stream(in.get(), out.get(), blob.size, path, on_bytes);
  Status s = d.status();
  if (::close(out.release()) != 0 && s.ok()) s = errno_status("closing " + tmp);
  if (s.ok() && expected && *d != *expected) s = mismatch(path, *expected, *d);
  if (s.ok()) s = install_blob_file(layout, tmp, *d);  // hashed as it was written
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  blob.digest = *d;
  return blob;
}

}  // namespace herd::store
