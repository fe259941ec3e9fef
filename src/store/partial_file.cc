#include "store/partial_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "store/store_layout.h"
#include "store/trailing_hasher.h"

namespace herd::store {
namespace {

// The record: this header, then one little-endian u64 per part (bytes written).
constexpr char kMagic[8] = {'H', 'E', 'R', 'D', 'P', 'R', 'T', '1'};
constexpr uint64_t kMaxParts = 256;
struct RecordHeader {
  char magic[8];
  uint64_t size;
  uint64_t parts;
};
static_assert(sizeof(RecordHeader) == 24);

size_t record_bytes(uint64_t parts) { return sizeof(RecordHeader) + parts * sizeof(uint64_t); }

struct Record {
  uint64_t size = 0;
  std::vector<uint64_t> written;
};

uint64_t file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// The contiguous prefix from byte 0 that `written` says is on disk.
uint64_t prefix_of(uint64_t size, const std::vector<uint64_t>& written) {
  const int parts = static_cast<int>(written.size());
  for (int i = 0; i < parts; ++i) {
    const PartRange r = part_range(size, parts, i);
    if (written[i] < r.length) return r.first + written[i];
  }
  return size;
}

// A record whose counts fit its split and the data file's size (a record that says more than
// the file holds is no record: its bytes were lost). nullopt: absent or invalid; `present` says
// which.
std::optional<Record> read_record(const std::string& path, uint64_t data_size, bool* present) {
  *present = false;
  const int fd = ::open(PartialFile::record_path(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  *present = true;
  RecordHeader h{};
  std::optional<Record> out;
  if (::pread(fd, &h, sizeof h, 0) == ssize_t(sizeof h) && std::memcmp(h.magic, kMagic, 8) == 0 && h.parts >= 1 &&
      h.parts <= kMaxParts && file_size(fd) == record_bytes(h.parts)) {
    Record r;
    r.size = h.size;
    r.written.resize(h.parts);
    const ssize_t want = ssize_t(h.parts * sizeof(uint64_t));
    bool ok = ::pread(fd, r.written.data(), size_t(want), sizeof h) == want;
    for (uint64_t i = 0; ok && i < h.parts; ++i) {
      const PartRange range = part_range(h.size, int(h.parts), int(i));
      ok = r.written[i] <= range.length && range.first + r.written[i] <= data_size;
    }
    if (ok) out = std::move(r);
  }
  ::close(fd);
  return out;
}

// Replaces the record at once (a new file renamed over it), so a kill never leaves half of one.
Status write_record(const std::string& path, uint64_t size, const std::vector<uint64_t>& written) {
  std::string bytes(record_bytes(written.size()), '\0');
  RecordHeader h{};
  std::memcpy(h.magic, kMagic, 8);
  h.size = size;
  h.parts = written.size();
  std::memcpy(bytes.data(), &h, sizeof h);
  std::memcpy(bytes.data() + sizeof h, written.data(), written.size() * sizeof(uint64_t));
  const std::string record = PartialFile::record_path(path), fresh = record + ".new";
  const int fd = ::open(fresh.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating " + fresh);
  const ssize_t n = ::write(fd, bytes.data(), bytes.size());
  const int err = n < 0 ? errno : ENOSPC;
  ::close(fd);
  if (n != ssize_t(bytes.size())) return errno_status("writing " + fresh, err);
  if (::rename(fresh.c_str(), record.c_str()) != 0) return errno_status("renaming " + fresh);
  return Status();
}

// Each part's count when the file's first `prefix` bytes are known good.
std::vector<uint64_t> written_from_prefix(uint64_t size, int parts, uint64_t prefix) {
  std::vector<uint64_t> written(parts);
  for (int i = 0; i < parts; ++i) {
    const PartRange r = part_range(size, parts, i);
    written[i] = prefix <= r.first ? 0 : std::min(r.length, prefix - r.first);
  }
  return written;
}

Result<int> open_data(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return errno_status("opening " + path);
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return io_error(path + " is not a regular file");
  }
  return fd;
}

}  // namespace

PartRange part_range(uint64_t size, int parts, int i) {
  const uint64_t chunk = (size + uint64_t(parts) - 1) / uint64_t(parts);
  const uint64_t first = std::min(size, chunk * uint64_t(i));
  return {first, std::min(size, first + chunk) - first};
}

PartialFile::PartialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

PartialFile::~PartialFile() {
  hasher_.reset();  // it reads fd_
  if (record_map_ != nullptr) ::munmap(record_map_, record_map_size_);
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<PartialFile>> PartialFile::open_stream(const std::string& path) {
  HERD_ASSIGN_OR_RETURN(const int fd, open_data(path));
  std::unique_ptr<PartialFile> f(new PartialFile(path, fd));
  bool present = false;
  const std::optional<Record> record = read_record(path, file_size(fd), &present);
  if (present) {
    // Left by parts: keep the prefix. The record first says only that much, so a kill between
    // here and the unlink leaves a record that still matches the file.
    uint64_t prefix = 0;
    if (record) {
      prefix = prefix_of(record->size, record->written);
      HERD_RETURN_IF_ERROR(write_record(path, record->size,
                                        written_from_prefix(record->size, int(record->written.size()), prefix)));
    }
    if (::ftruncate(fd, off_t(prefix)) != 0) return errno_status("truncating " + path);
    if (::unlink(record_path(path).c_str()) != 0 && errno != ENOENT) return errno_status("removing a record");
  }
  f->parts_.push_back(Part{0, std::nullopt});
  f->stream_written_ = file_size(fd);
  f->hasher_ = std::make_unique<TrailingHasher>(fd, path);
  f->hasher_->advance(f->stream_written_);
  return f;
}

Result<std::unique_ptr<PartialFile>> PartialFile::open_parts(const std::string& path, uint64_t size, int parts) {
  if (parts < 1 || uint64_t(parts) > kMaxParts) return invalid_argument("parts must be 1 to 256");
  HERD_ASSIGN_OR_RETURN(const int fd, open_data(path));
  std::unique_ptr<PartialFile> f(new PartialFile(path, fd));
  const uint64_t on_disk = file_size(fd);
  bool present = false;
  const std::optional<Record> record = read_record(path, on_disk, &present);
  if (!record || record->size != size || record->written.size() != size_t(parts)) {
    // Another split, a stream's prefix, or nothing usable: keep the prefix under the new split.
    uint64_t prefix = 0;
    if (record && record->size == size) prefix = prefix_of(size, record->written);
    if (!present && on_disk <= size) prefix = on_disk;
    HERD_RETURN_IF_ERROR(write_record(path, size, written_from_prefix(size, parts, prefix)));
  }
  if (on_disk != size) {
    // Space for the whole blob now: a full disk fails here, before any byte is fetched.
    int rc = on_disk < size ? ::fallocate(fd, 0, 0, off_t(size)) : -1;
    if (rc != 0 && (on_disk > size || errno == EOPNOTSUPP || errno == ENOSYS)) rc = ::ftruncate(fd, off_t(size));
    if (rc != 0) return errno_status("making room for " + path);
  }
  for (int i = 0; i < parts; ++i) {
    const PartRange r = part_range(size, parts, i);
    f->parts_.push_back(Part{r.first, r.length});
  }
  HERD_RETURN_IF_ERROR(f->map_record());
  f->hasher_ = std::make_unique<TrailingHasher>(fd, path);
  f->hasher_->advance(f->contiguous_end());
  return f;
}

Status PartialFile::map_record() {
  const std::string record = record_path(path_);
  const int fd = ::open(record.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno_status("opening " + record);
  const size_t bytes = record_bytes(parts_.size());
  if (file_size(fd) != bytes) {
    ::close(fd);
    return io_error(record + " changed under the download");
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return errno_status("mapping " + record);
  record_map_ = map;
  record_map_size_ = bytes;
  record_written_ = reinterpret_cast<uint64_t*>(static_cast<char*>(map) + sizeof(RecordHeader));
  return Status();
}

std::optional<uint64_t> PartialFile::part_length(int part) const { return parts_[part].length; }

uint64_t PartialFile::written(int part) const {
  if (record_written_ == nullptr) return stream_written_.load();
  return std::atomic_ref<uint64_t>(record_written_[part]).load();
}

void PartialFile::store_written(int part, uint64_t value) {
  if (record_written_ == nullptr) {
    stream_written_ = value;
  } else {
    std::atomic_ref<uint64_t>(record_written_[part]).store(value);
  }
}

uint64_t PartialFile::written_total() const {
  uint64_t total = 0;
  for (int i = 0; i < part_count(); ++i) total += written(i);
  return total;
}

uint64_t PartialFile::contiguous_end() const {
  for (int i = 0; i < part_count(); ++i) {
    const uint64_t w = written(i);
    if (!parts_[i].length || w < *parts_[i].length) return parts_[i].first + w;
  }
  return parts_.back().first + *parts_.back().length;
}

Status PartialFile::append(int part, std::string_view bytes) {
  uint64_t at = written(part);
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), off_t(parts_[part].first + at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_status("writing " + path_, n < 0 ? errno : EIO);
    at += uint64_t(n);
    bytes.remove_prefix(size_t(n));
    store_written(part, at);  // after the bytes: the record never claims what is not in the file
  }
  hasher_->advance(contiguous_end());
  return Status();
}

Status PartialFile::restart(int part) {
  if (record_written_ != nullptr) return internal_error("a part of a split download cannot start over");
  hasher_->restart();  // first: from now on, a short read back is the restart's and no error
  store_written(part, 0);
  if (::ftruncate(fd_, 0) != 0) return errno_status("truncating " + path_);
  return Status();
}

Result<Digest> PartialFile::finish() {
  for (int i = 0; i < part_count(); ++i) {
    if (parts_[i].length && written(i) != *parts_[i].length) {
      return internal_error("part " + std::to_string(i) + " of " + path_ + " is not complete");
    }
  }
  const uint64_t end = contiguous_end();
  hasher_->advance(end);
  return hasher_->finish(end);
}

uint64_t PartialFile::bytes_kept(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  bool present = false;
  const std::optional<Record> record = read_record(path, uint64_t(st.st_size), &present);
  if (!present) return uint64_t(st.st_size);
  uint64_t total = 0;
  if (record) {
    for (uint64_t w : record->written) total += w;
  }
  return total;
}

void PartialFile::remove(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink(record_path(path).c_str());
  ::unlink((record_path(path) + ".new").c_str());
}

}  // namespace herd::store
