// A read-only memory map of a whole file (models are mmapped, never copied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace herd {

// OK when path names a regular file (after symlinks), without opening it: kNotFound when
// it does not exist, kInvalidArgument "<path>: not a regular file (a FIFO)" for a FIFO,
// device, socket or directory (opening a FIFO would block until a writer comes).
Status check_regular_file(const std::string& path);

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  void release();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace herd
