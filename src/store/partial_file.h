// A download's bytes in tmp/: one file "X.partial" at the blob's final size, which parallel
// ranges ("parts") fill each at its own offset, so that no byte is written twice. How far each
// part got is kept in "X.partial.parts", a small record mapped into memory and updated after
// every write (a SIGKILL loses nothing that reached the file), so a resume continues each part
// where it stopped. A single stream needs no record: the file's size is how far it got. The
// sha256 is computed on another thread as the file's prefix fills (TrailingHasher).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/digest.h"

namespace herd::store {

class TrailingHasher;

class PartialFile {
 public:
  // One stream over the whole blob (its size may be unknown). A file left by a parallel
  // download is cut back to its contiguous prefix, and its record removed.
  static Result<std::unique_ptr<PartialFile>> open_stream(const std::string& path);
  // `size` bytes in `parts` ranges (the last may be shorter); what is on disk is kept, from the
  // record (any earlier split) or, without one, as a prefix written by a single stream. The file
  // is extended to `size` (space reserved where the file system can), kResourceExhausted when
  // the disk cannot hold it.
  static Result<std::unique_ptr<PartialFile>> open_parts(const std::string& path, uint64_t size, int parts);
  ~PartialFile();
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  int part_count() const { return static_cast<int>(parts_.size()); }
  uint64_t part_first(int part) const { return parts_[part].first; }
  std::optional<uint64_t> part_length(int part) const;  // unset: a stream of unknown size
  uint64_t written(int part) const;                      // bytes of the part on disk
  uint64_t written_total() const;

  // Writes the part's next bytes (from any thread; each part from one thread at a time).
  Status append(int part, std::string_view bytes);
  // The part starts over (a stream whose server ignored the Range: the file is emptied).
  Status restart(int part);
  // Every part complete: the whole file's sha256 (waits for the hasher to catch up).
  Result<Digest> finish();

  // The bytes a resume of the download at `path` would keep (tests, progress).
  static uint64_t bytes_kept(const std::string& path);
  // Removes the file and its record.
  static void remove(const std::string& path);
  static std::string record_path(const std::string& path) { return path + ".parts"; }

 private:
  struct Part {
    uint64_t first = 0;
    std::optional<uint64_t> length;
  };
  PartialFile(std::string path, int fd);
  Status map_record();
  uint64_t contiguous_end() const;
  void store_written(int part, uint64_t value);

  std::string path_;
  int fd_ = -1;
  std::vector<Part> parts_;
  std::atomic<uint64_t> stream_written_{0};     // a stream's progress (no record)
  uint64_t* record_written_ = nullptr;  // the mapped record's counters (parts only), by atomic_ref
  void* record_map_ = nullptr;
  size_t record_map_size_ = 0;
  std::unique_ptr<TrailingHasher> hasher_;
};

// The i-th of `parts` ranges of a `size`-byte blob: [first, first + length).
struct PartRange {
  uint64_t first;
  uint64_t length;
};
PartRange part_range(uint64_t size, int parts, int i);

}  // namespace herd::store
