// The building blocks of blob_download: a file in tmp/ that holds the downloaded prefix of one
// byte range, and the retrying fetch that fills it from where it stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/blob_download.h"
#include "store/digest.h"

namespace herd::store {

// A download's bytes so far; the file's size is how far it got (what a resume continues from).
class PartFile {
 public:
  // Opens or creates `path`. With `hash`, the bytes already there are hashed so that the
  // digest covers the whole file once it is complete.
  static Result<PartFile> open(const std::string& path, bool hash);
  PartFile() = default;
  PartFile(PartFile&& o) noexcept;
  PartFile& operator=(PartFile&& o) noexcept;
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  ~PartFile();

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  Status append(std::string_view bytes);
  Status truncate();  // back to empty, the hash restarted
  Digest finish_hash();

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool hashing_ = false;
  Sha256 hash_;
  std::string path_;
};

struct RangeJob {
  const BlobSource* source = nullptr;
  const DownloadOptions* options = nullptr;
  uint64_t first = 0;                  // the range's first byte in the blob
  std::optional<uint64_t> length;      // the range's length, when known
  // The range is the whole blob: a 200 answer to a Range request restarts the file from 0.
  // Otherwise such an answer is kUnsupported (the server ignores ranges).
  bool whole_blob = true;
  const std::atomic<bool>* cancel = nullptr;
};

struct RangeOutcome {
  std::string linked_etag;  // X-Linked-Etag seen on any hop, as sent
};

// Fills `file` until it holds the whole range: each attempt continues with a Range request from
// the file's size; attempts that fail on the network are retried with backoff. A body longer
// than the range is refused (kCorruptFile), a short one retried.
Status fetch_range(const RangeJob& job, PartFile& file, RangeOutcome* outcome);

// "bytes <a>-<b>/<total|*>"; false when malformed.
bool parse_content_range(std::string_view value, uint64_t* first, uint64_t* last, std::optional<uint64_t>* total);

}  // namespace herd::store
