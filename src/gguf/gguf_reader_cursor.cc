#include "gguf/gguf_reader_cursor.h"

#include <string>

namespace herd {

Status GgufCursor::need(uint64_t n, std::string_view what) const {
  if (n <= remaining()) return Status::ok_status();
  return corrupt_file("unexpected end of file reading " + std::string(what) + " at offset " +
                      std::to_string(pos_) + " (needs " + std::to_string(n) + " bytes, " +
                      std::to_string(remaining()) + " remain)");
}

template <typename T>
Status GgufCursor::read_le(T& out, std::string_view what) {
  HERD_RETURN_IF_ERROR(need(sizeof(T), what));
  // Assembled byte by byte so the result does not depend on the host's byte order.
  T v = 0;
  for (size_t k = 0; k < sizeof(T); ++k) {
    v = static_cast<T>(v | (static_cast<T>(bytes_[pos_ + k]) << (8 * k)));
  }
  pos_ += sizeof(T);
  out = v;
  return Status::ok_status();
}

Status GgufCursor::read_u8(uint8_t& out, std::string_view what) { return read_le(out, what); }
Status GgufCursor::read_u16(uint16_t& out, std::string_view what) { return read_le(out, what); }
Status GgufCursor::read_u32(uint32_t& out, std::string_view what) { return read_le(out, what); }
Status GgufCursor::read_u64(uint64_t& out, std::string_view what) { return read_le(out, what); }

Status GgufCursor::read_bytes(uint64_t n, std::span<const uint8_t>& out, std::string_view what) {
  HERD_RETURN_IF_ERROR(need(n, what));
  out = bytes_.subspan(pos_, n);
  pos_ += n;
  return Status::ok_status();
}

Status GgufCursor::read_string(std::string_view& out, std::string_view what) {
  const uint64_t start = pos_;
  uint64_t len = 0;
  if (remaining() < sizeof(len)) return need(sizeof(len), std::string(what) + " length");
  HERD_RETURN_IF_ERROR(read_u64(len, what));
  if (len > remaining()) {
    const uint64_t avail = remaining();
    pos_ = start;
    return corrupt_file(std::string(what) + " length " + std::to_string(len) + " at offset " +
                        std::to_string(start) + " exceeds remaining " + std::to_string(avail) +
                        " bytes");
  }
  out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
  pos_ += len;
  return Status::ok_status();
}

Status GgufCursor::check_count(uint64_t count, uint64_t min_elem_bytes,
                               std::string_view what) const {
  // count * min_elem_bytes <= remaining, without the multiplication overflowing.
  if (min_elem_bytes == 0 || count <= remaining() / min_elem_bytes) return Status::ok_status();
  return corrupt_file(std::string(what) + " " + std::to_string(count) + " exceeds remaining " +
                      std::to_string(remaining()) + " bytes at offset " + std::to_string(pos_) +
                      " (each needs at least " + std::to_string(min_elem_bytes) + ")");
}

}  // namespace herd
