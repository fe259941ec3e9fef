// Where the store keeps things under $HERD_HOME, and the crash-safe primitives every writer
// uses: write to a temporary file in the store, fsync, rename, fsync the directory.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/digest.h"
#include "store/model_ref.h"

namespace herd::store {

class StoreLayout {
 public:
  // $HERD_HOME, else ~/.herd. The directories are created by ensure_directories().
  static StoreLayout from_environment();
  explicit StoreLayout(std::string home);

  const std::string& home() const { return home_; }
  std::string models_dir() const;                      // <home>/models
  std::string blobs_dir() const;                       // <home>/models/blobs
  std::string manifests_dir() const;                   // <home>/models/manifests
  std::string tmp_dir() const;                         // <home>/models/tmp
  std::string blob_path(const Digest& d) const;        // blobs/sha256-<hex>
  std::string partial_path(const Digest& d) const;     // tmp/sha256-<hex>.partial
  std::string blob_lock_path(const Digest& d) const;   // tmp/sha256-<hex>.lock
  std::string manifest_path(const ModelRef& r) const;  // manifests/<host>/<ns>/<model>/<tag>
  std::string gc_lock_path() const;                    // models/.gc.lock

  Status ensure_directories() const;

 private:
  std::string home_;
};

// Writes `contents` to `path` atomically (temporary file in `tmp_dir`, fsync, rename, fsync of
// path's directory). Parent directories of `path` are created. Never leaves a half file.
Status write_file_atomically(const std::string& tmp_dir, const std::string& path, std::string_view contents);

// Stores `contents` as a verified blob (its digest computed here) unless it exists; returns it.
Result<Digest> put_blob_bytes(const StoreLayout& layout, std::string_view contents);

// Renames a finished temporary file to blobs/<digest> after checking its sha256 matches and
// fsyncing it; on a mismatch the file is removed and kCorruptFile says both digests.
Status commit_blob_file(const StoreLayout& layout, const std::string& tmp_file, const Digest& expected);
// The same without hashing again: for a file whose sha256 was computed as its bytes were
// written (a download, an upload), already compared with `digest`.
Status install_blob_file(const StoreLayout& layout, const std::string& tmp_file, const Digest& digest);

Status fsync_directory(const std::string& dir);

// `what` failed with `err`: kResourceExhausted for a full disk or quota, kNotFound for a
// missing file, else kIoError; the message ends with strerror.
Status errno_status(const std::string& what, int err = errno);

// A whole small file: only a regular file of at most `limit` bytes (else kInvalidArgument).
Result<std::string> read_small_file(const std::string& path, size_t limit);

// An flock held until destruction. Blocking or not.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };
  // kUnavailable when `wait` is false and someone else holds it.
  static Result<FileLock> acquire(const std::string& path, Mode mode, bool wait);
  FileLock() = default;
  FileLock(FileLock&& o) noexcept;
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

}  // namespace herd::store
