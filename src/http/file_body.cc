#include "http/file_body.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

namespace herd::http {

bool send_file_body(const Request& request, ResponseWriter& writer, int status, Headers headers, int fd,
                    uint64_t first, uint64_t length) {
  if (!writer.start_sized(status, std::move(headers), length)) return false;
  if (request.method == "HEAD") return writer.end_stream();
  constexpr size_t kPiece = 256u << 10;
  std::string buffer(static_cast<size_t>(std::min<uint64_t>(kPiece, std::max<uint64_t>(length, 1))), '\0');
  uint64_t offset = first;
  uint64_t left = length;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
    const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // an error or a file shorter than it was: end_stream closes the connection
    if (!writer.write(std::string_view(buffer.data(), static_cast<size_t>(n)))) return false;
    offset += static_cast<uint64_t>(n);
    left -= static_cast<uint64_t>(n);
  }
  return writer.end_stream();
}

}  // namespace herd::http
