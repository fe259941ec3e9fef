// Downloads one blob into the store: resumable (HTTP Range from what tmp/ already holds),
// verified (sha256 computed on another thread as the bytes land; only a matching file is renamed
// into blobs/),
// locked (one process per blob; the others wait and find it present), retried with backoff,
// stalls aborted, and big blobs fetched as several ranges in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/digest.h"
#include "store/store_layout.h"

namespace herd::store {

struct DownloadOptions {
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;    // no bytes for this long: abort the attempt and retry
  int max_attempts = 6;        // attempts in a row that bring no new byte, then give up
  int backoff_ms = 250;        // before a retry; doubled after each fruitless attempt, at most 8 s
  uint64_t parallel_min_size = uint64_t(64) << 20;  // blobs this big download as parts
  int parallel_parts = 4;
  // Bytes that landed (from any thread); `resumed` marks bytes found on disk from an
  // earlier, interrupted pull.
  std::function<void(uint64_t bytes, bool resumed)> on_bytes;
  // Bytes free to an unprivileged writer in the file system that holds `dir` (tests fake it);
  // unset: statvfs.
  std::function<Result<uint64_t>(const std::string& dir)> free_bytes;
};

struct BlobSource {
  std::string url;
  std::optional<std::string> bearer_token;  // dropped on a redirect to another origin
  // What the blob must be. Without a digest, an X-Linked-Etag (64 hex digits) on any hop of
  // the response is checked instead; without either, the computed sha256 names the blob.
  std::optional<Digest> digest;
  std::optional<uint64_t> size;
};

// Downloads (or finds) the blob and returns its digest. kUnavailable: the network failed and
// a later pull resumes from what is in tmp/; kCorruptFile: the bytes were wrong (discarded);
// kResourceExhausted: the blob's known size does not fit in the free space (checked before any
// byte is fetched; parts write in place, so the blob needs room once).
Result<Digest> download_blob(const StoreLayout& layout, const BlobSource& source, const DownloadOptions& options);

}  // namespace herd::store
