#include "store/blob_download.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/partial_file.h"
#include "store/range_fetch.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

// Where a download keeps its bytes and its lock: named by the digest when it is known, else by
// the URL's hash (a direct download names its blob only once it has all of it).
struct Paths {
  std::string partial;
  std::string lock;
};

Paths paths_for(const StoreLayout& layout, const BlobSource& source) {
  if (source.digest) return {layout.partial_path(*source.digest), layout.blob_lock_path(*source.digest)};
  const std::string key = layout.tmp_dir() + "/url-" + sha256_of(source.url).hex();
  return {key + ".partial", key + ".lock"};
}

// An X-Linked-Etag (quoted, 64 hex digits) as a digest; anything else is no digest.
std::optional<Digest> etag_digest(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  Result<Digest> d = Digest::from_hex(etag);
  if (!d.ok()) return std::nullopt;
  return *d;
}

// The whole blob in one stream, resuming from what the partial file holds.
Result<Digest> fetch_single(const BlobSource& source, const DownloadOptions& options, const std::string& partial,
                            std::string* linked_etag) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<PartialFile> file, PartialFile::open_stream(partial));
  RangeJob job;
  job.source = &source;
  job.options = &options;
  job.length = source.size;
  RangeOutcome outcome;
  HERD_RETURN_IF_ERROR(fetch_range(job, *file, &outcome));
  *linked_etag = outcome.linked_etag;
  return file->finish();
}

// Parts in parallel, each written at its place in the one partial file and resumable on its own.
// kUnsupported when the server ignores ranges.
Result<Digest> fetch_parallel(const BlobSource& source, const DownloadOptions& options, const std::string& partial,
                              std::string* linked_etag) {
  const int n = std::max(2, options.parallel_parts);
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<PartialFile> file, PartialFile::open_parts(partial, *source.size, n));
  std::vector<Status> results(n);
  std::vector<RangeOutcome> outcomes(n);
  std::atomic<bool> cancel{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      RangeJob job;
      job.source = &source;
      job.options = &options;
      job.part = i;
      job.first = file->part_first(i);
      job.length = file->part_length(i);
      job.whole_blob = false;
      job.cancel = &cancel;
      results[i] = fetch_range(job, *file, &outcomes[i]);
      if (!results[i].ok()) cancel = true;  // one part failed: the others stop early
    });
  }
  for (auto& t : threads) t.join();
  // The first failure is the cause; the others were cancelled because of it.
  for (const Status& s : results) {
    if (!s.ok() && s.message() != "download cancelled") return s;
  }
  for (const Status& s : results) HERD_RETURN_IF_ERROR(s);
  for (const RangeOutcome& o : outcomes) {
    if (!o.linked_etag.empty()) *linked_etag = o.linked_etag;
  }
  return file->finish();
}

// What the file system already gave the partial file (a split download reserves the whole blob).
uint64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

Result<uint64_t> statvfs_free_bytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return io_error("checking free space in " + dir + ": " + std::strerror(errno));
  return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

std::string in_megabytes(uint64_t bytes) {
  char text[48];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

// Refuses, before a byte is fetched, a download the file system cannot hold: what is still
// missing from the partial file.
Status check_free_space(const StoreLayout& layout, const BlobSource& source, const DownloadOptions& options,
                        const std::string& partial) {
  if (!source.size) return Status();  // unknown until the response says; the write fails cleanly then
  const uint64_t need = *source.size - std::min(*source.size, allocated_bytes(partial));
  HERD_ASSIGN_OR_RETURN(const uint64_t free,
                        options.free_bytes ? options.free_bytes(layout.tmp_dir()) : statvfs_free_bytes(layout.tmp_dir()));
  if (need <= free) return Status();
  return resource_exhausted("not enough disk space for " + source.url + ": it needs " + in_megabytes(need) + ", " +
                            in_megabytes(free) + " is free in " + layout.tmp_dir());
}

}  // namespace

Result<Digest> download_blob(const StoreLayout& layout, const BlobSource& source, const DownloadOptions& options) {
  HERD_RETURN_IF_ERROR(layout.ensure_directories());
  const Paths paths = paths_for(layout, source);
  // One download per blob: whoever comes second waits here, then finds the blob present.
  HERD_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(paths.lock, FileLock::Mode::kExclusive, /*wait=*/true));
  if (source.digest && fs::exists(layout.blob_path(*source.digest))) {
    PartialFile::remove(paths.partial);
    return *source.digest;
  }
  const bool parallel = source.size && *source.size >= options.parallel_min_size && options.parallel_parts > 1;
  HERD_RETURN_IF_ERROR(check_free_space(layout, source, options, paths.partial));
  std::string linked_etag;
  Result<Digest> got = unsupported("not attempted");
  if (parallel) {
    got = fetch_parallel(source, options, paths.partial, &linked_etag);
  }
  if (!parallel || (!got.ok() && got.status().code() == StatusCode::kUnsupported)) {
    got = fetch_single(source, options, paths.partial, &linked_etag);
  }
  if (!got.ok()) {
    // Wrong bytes are worth nothing to a resume; a network failure keeps them.
    if (got.status().code() == StatusCode::kCorruptFile) {
      PartialFile::remove(paths.partial);
    }
    return got.status().with_context("downloading " + source.url);
  }
  std::optional<Digest> expected = source.digest;
  if (!expected) expected = etag_digest(linked_etag);
  if (expected && *expected != *got) {
    PartialFile::remove(paths.partial);
    return corrupt_file("downloading " + source.url + ": sha256 mismatch: expected " + expected->to_string() +
                        ", got " + got->to_string());
  }
  // *got was computed over every byte as it was written: no second read.
  HERD_RETURN_IF_ERROR(install_blob_file(layout, paths.partial, *got).with_context("storing " + source.url));
  PartialFile::remove(paths.partial);  // the record; the file itself is a blob now
  return *got;
}

}  // namespace herd::store
