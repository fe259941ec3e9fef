#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace herd {

namespace {

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "";
}

Status not_regular(const std::string& path, mode_t mode) {
  const std::string kind = file_kind(mode);
  return invalid_argument(path + ": not a regular file" + (kind.empty() ? "" : " (" + kind + ")"));
}

}  // namespace

Status check_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string msg = path + ": " + std::strerror(err);
    return err == ENOENT ? not_found(msg) : io_error(msg);
  }
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  return Status::ok_status();
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  // Refuse FIFOs, devices and directories before opening: opening a FIFO blocks until a
  // writer comes. O_NONBLOCK covers a path swapped for one between stat and open.
  HERD_RETURN_IF_ERROR(check_regular_file(path));
  struct stat st {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    std::string msg = path + ": " + std::strerror(err);
    return err == ENOENT ? not_found(msg) : io_error(msg);
  }
  if (fstat(fd, &st) != 0) {
    std::string msg = path + ": " + std::strerror(errno);
    ::close(fd);
    return io_error(msg);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return not_regular(path, st.st_mode);
  }
  MappedFile f;
  f.path_ = path;
  f.size_ = static_cast<size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = mmap(nullptr, f.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      std::string msg = path + ": mmap failed: " + std::strerror(errno);
      ::close(fd);
      return io_error(msg);
    }
    f.data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      path_(std::move(other.path_)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace herd
