// The few socket operations the server needs, over non-blocking file descriptors.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd::http {

struct Listener {
  int fd = -1;
  int port = 0;  // the bound port (the one chosen when asked for 0)
};

// A non-blocking listening TCP socket on host:port with SO_REUSEADDR and never
// SO_REUSEPORT, so a port another process listens on is refused (kIoError).
Result<Listener> listen_tcp(const std::string& host, int port, int backlog);

// "host" as it goes into a URL: IPv6 literals in brackets ("[::1]").
std::string host_for_url(const std::string& host);

// Writes all of `data`, waiting up to `stall` each time the socket is full. False when
// the peer is gone, on an error, or when it stalled that long.
bool send_all(int fd, std::string_view data, std::chrono::milliseconds stall);

// Whether the peer closed or reset the connection (pending unread bytes, e.g. a
// pipelined request, keep it counted as present).
bool peer_gone(int fd);

}  // namespace herd::http
