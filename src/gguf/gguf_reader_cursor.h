// A bounds-checked little-endian reader over untrusted bytes. Every read checks the
// remaining length first; a failed read leaves the position where it was and returns a
// kCorruptFile Status that says what was being read and at which offset.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"

namespace herd {

class GgufCursor {
 public:
  explicit GgufCursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  uint64_t offset() const { return pos_; }
  uint64_t size() const { return bytes_.size(); }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  // `what` names the field in the error message ("tensor count", "value type").
  Status read_u8(uint8_t& out, std::string_view what);
  Status read_u16(uint16_t& out, std::string_view what);
  Status read_u32(uint32_t& out, std::string_view what);
  Status read_u64(uint64_t& out, std::string_view what);

  // n raw bytes, as a view into the underlying buffer.
  Status read_bytes(uint64_t n, std::span<const uint8_t>& out, std::string_view what);
  // A GGUF string: u64 length, then that many bytes (not required to be UTF-8).
  Status read_string(std::string_view& out, std::string_view what);

  // Error unless `count` elements of at least `min_elem_bytes` each could fit in the
  // remaining bytes. Call before reserving memory for or looping over an untrusted count.
  Status check_count(uint64_t count, uint64_t min_elem_bytes, std::string_view what) const;

 private:
  Status need(uint64_t n, std::string_view what) const;
  template <typename T>
  Status read_le(T& out, std::string_view what);

  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
};

}  // namespace herd
