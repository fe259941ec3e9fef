// The one form of Range request a file server needs (RFC 9110 14.1.2): a single
// "bytes=first-last", "bytes=first-" or "bytes=-suffix". A header that is malformed,
// names another unit or asks for several ranges is ignored (the whole body is sent),
// as the RFC allows; a range that starts past the end is unsatisfiable (416).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herd::http {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

struct RangeChoice {
  enum class Kind { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  ByteRange range;  // kPartial: within the resource, length > 0
};

RangeChoice choose_byte_range(std::optional<std::string_view> range_header, uint64_t size);

// "bytes first-last/size" for a 206.
std::string content_range(const ByteRange& range, uint64_t size);
// "bytes */size" for a 416.
std::string unsatisfiable_content_range(uint64_t size);

}  // namespace herd::http
