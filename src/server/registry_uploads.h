// Blob uploads in progress (Docker registry v2: POST starts one, PATCH appends a piece,
// PUT ?digest= appends the last and ends it). Each writes a temporary file in the
// store's tmp/ (tmp/upload-<id>.partial); the blob appears in blobs/ only after its
// sha256 matched the digest the client named (commit_blob_file). Uploads are bounded in
// number and size; idle ones expire, and unfinished files are removed with the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/digest.h"
#include "store/store_layout.h"

namespace herd::server {

struct UploadParams {
  uint64_t max_blob_bytes = uint64_t(1) << 40;
  size_t max_uploads = 16;  // at once; more get kResourceExhausted
  std::chrono::seconds idle_limit{3600};
};

class UploadSessions {
 public:
  UploadSessions(store::StoreLayout layout, UploadParams params);
  ~UploadSessions();
  UploadSessions(const UploadSessions&) = delete;
  UploadSessions& operator=(const UploadSessions&) = delete;

  // A new upload's id (32 hex digits).
  Result<std::string> start();
  // Appends `bytes`; `at` (from a Content-Range) must equal the bytes received so far.
  // Returns the new total. kNotFound: no such upload; kOutOfRange: `at` is wrong;
  // kResourceExhausted: past max_blob_bytes (the upload is then dropped).
  Result<uint64_t> append(const std::string& id, std::optional<uint64_t> at, std::string_view bytes);
  // Appends the last bytes and moves the file into blobs/ if its sha256 is `digest`
  // (kCorruptFile otherwise). The upload ends either way.
  Status finish(const std::string& id, std::string_view bytes, const store::Digest& digest);
  // Drops an upload and its file; false when there was none.
  bool cancel(const std::string& id);

 private:
  struct Session;
  std::shared_ptr<Session> find(const std::string& id);
  void drop(const std::string& id);
  Status write_locked(Session& s, std::string_view bytes);
  void expire_idle_locked();

  const store::StoreLayout layout_;
  const UploadParams params_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace herd::server
