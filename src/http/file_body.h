// A response whose body is part of a file, read a piece at a time so that a file of any
// size costs one small buffer (model blobs are gigabytes).
#pragma once

#include <cstdint>

#include "http/request.h"
#include "http/response_writer.h"

namespace herd::http {

// Sends bytes [first, first + length) of the open file `fd` with Content-Length (none
// read for a HEAD request). False when the client went away or the file ended early;
// the connection then closes, so a short body is never mistaken for a whole one.
bool send_file_body(const Request& request, ResponseWriter& writer, int status, Headers headers, int fd,
                    uint64_t first, uint64_t length);

}  // namespace herd::http
