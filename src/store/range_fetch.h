// The building block of blob_download: the retrying fetch that fills one part of a PartialFile
// from where it stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/blob_download.h"
#include "store/digest.h"
#include "store/partial_file.h"

namespace herd::store {

struct RangeJob {
  const BlobSource* source = nullptr;
  const DownloadOptions* options = nullptr;
  int part = 0;                        // which part of the PartialFile this range fills
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

// Fills the job's part of `file` until it holds the whole range: each attempt continues with a
// Range request from what the part has; attempts that fail on the network are retried with backoff. A body longer
// than the range is refused (kCorruptFile), a short one retried.
Status fetch_range(const RangeJob& job, PartialFile& file, RangeOutcome* outcome);

// "bytes <a>-<b>/<total|*>"; false when malformed.
bool parse_content_range(std::string_view value, uint64_t* first, uint64_t* last, std::optional<uint64_t>* total);

}  // namespace herd::store
