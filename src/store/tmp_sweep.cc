#include "store/tmp_sweep.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd::store {
namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "X.partial", its record of parts "X.partial.parts" (and the record being replaced,
// "X.partial.parts.new") and the parts of older versions "X.partial.<n>" belong to the download
// that "X.lock" guards (a server upload's "upload-<id>.partial" has no lock file at all).
std::optional<std::string> lock_of_partial(const std::string& name) {
  constexpr std::string_view kPartial = ".partial";
  const size_t at = name.rfind(kPartial);
  if (at == std::string::npos || at == 0) return std::nullopt;
  const std::string_view rest = std::string_view(name).substr(at + kPartial.size());
  if (!rest.empty() && rest != ".parts" && rest != ".parts.new") {
    if (rest.size() < 2 || rest[0] != '.') return std::nullopt;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
  }
  return name.substr(0, at) + ".lock";
}

bool untouched_for(const struct stat& st, std::chrono::seconds age) {
  const auto written = std::chrono::system_clock::from_time_t(st.st_mtime);
  return std::chrono::system_clock::now() - written >= age;
}

class Sweeper {
 public:
  Sweeper(const StoreLayout& layout, const TmpSweepOptions& options) : dir_(layout.tmp_dir()), options_(options) {}

  Result<TmpSweepReport> run() {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec && ec != std::errc::no_such_file_or_directory) return io_error("listing " + dir_ + ": " + ec.message());
    std::sort(names.begin(), names.end());
    // Partial files first: a lock file goes only after the files it guards were judged.
    for (const std::string& name : names) {
      if (std::optional<std::string> lock = lock_of_partial(name)) HERD_RETURN_IF_ERROR(partial(name, *lock));
      if (options_.locks_and_tmp_files && ends_with(name, ".tmp")) HERD_RETURN_IF_ERROR(remove_if_old(name, options_.tmp_age));
    }
    if (options_.locks_and_tmp_files) {
      for (const std::string& name : names) {
        if (ends_with(name, ".lock")) HERD_RETURN_IF_ERROR(unheld_lock(name));
      }
    }
    if (report_.files > 0) HERD_RETURN_IF_ERROR(fsync_directory(dir_));
    return report_;
  }

 private:
  // Only a regular file, and nothing that vanished meanwhile.
  std::optional<struct stat> regular(const std::string& name) const {
    struct stat st {};
    if (::lstat((dir_ + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return st;
  }

  Status unlink_counted(const std::string& name, const struct stat& st) {
    const std::string path = dir_ + "/" + name;
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return Status();
      return io_error("removing " + path + ": " + std::strerror(errno));
    }
    report_.files += 1;
    report_.bytes += static_cast<uint64_t>(st.st_size);
    return Status();
  }

  Status remove_if_old(const std::string& name, std::chrono::seconds age) {
    const std::optional<struct stat> st = regular(name);
    if (!st || !untouched_for(*st, age)) return Status();
    return unlink_counted(name, *st);
  }

  Status partial(const std::string& name, const std::string& lock_name) {
    const std::optional<struct stat> st = regular(name);
    if (!st || !untouched_for(*st, options_.partial_age)) return Status();
    if (!regular(lock_name)) return unlink_counted(name, *st);  // nobody could be holding it
    Result<FileLock> lock = FileLock::acquire(dir_ + "/" + lock_name, FileLock::Mode::kExclusive, /*wait=*/false);
    if (!lock.ok()) return lock.status().code() == StatusCode::kUnavailable ? Status() : lock.status();
    // Under the lock, look again: the holder that just let go may have written since.
    const std::optional<struct stat> now = regular(name);
    if (!now || !untouched_for(*now, options_.partial_age)) return Status();
    return unlink_counted(name, *now);
  }

  // Unlinked while held: FileLock::acquire notices and locks the new file a later pull makes.
  Status unheld_lock(const std::string& name) {
    const std::optional<struct stat> st = regular(name);
    if (!st) return Status();
    Result<FileLock> lock = FileLock::acquire(dir_ + "/" + name, FileLock::Mode::kExclusive, /*wait=*/false);
    if (!lock.ok()) return lock.status().code() == StatusCode::kUnavailable ? Status() : lock.status();
    return unlink_counted(name, *st);
  }

  const std::string dir_;
  const TmpSweepOptions& options_;
  TmpSweepReport report_;
};

}  // namespace

Result<TmpSweepReport> sweep_tmp(const StoreLayout& layout, const TmpSweepOptions& options) {
  return Sweeper(layout, options).run();
}

}  // namespace herd::store
