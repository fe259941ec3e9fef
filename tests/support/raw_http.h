// A raw TCP client for HTTP tests that must control every byte: pipelining, slow
// senders, half-sent requests, malformed headers. Reads are bounded by generous
// deadlines that only guard against hangs; nothing here measures time.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace herd::testing {

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() { reset(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `needle` has arrived (true), or the peer closes or the guard runs out.
  bool read_until(std::string_view needle, std::chrono::milliseconds guard = std::chrono::seconds(20)) {
    while (received_.find(needle) == std::string::npos) {
      if (!read_some(guard)) return false;
    }
    return true;
  }

  // Reads until the peer closes (true) or the guard runs out (false).
  bool read_to_close(std::chrono::milliseconds guard = std::chrono::seconds(20)) {
    while (read_some(guard)) {
    }
    return closed_;
  }

  // Reads one whole response with a Content-Length body; "" when none came.
  std::string read_response(std::chrono::milliseconds guard = std::chrono::seconds(20)) {
    if (!read_until("\r\n\r\n", guard)) return {};
    const size_t head_end = received_.find("\r\n\r\n") + 4;
    size_t length = 0;
    const std::string head = received_.substr(0, head_end);
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      const size_t at = head.find(name);
      if (at != std::string::npos) length = std::stoul(head.substr(at + std::string_view(name).size()));
    }
    while (received_.size() < head_end + length) {
      if (!read_some(guard)) return {};
    }
    std::string out = received_.substr(0, head_end + length);
    received_.erase(0, head_end + length);
    return out;
  }

  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

 private:
  bool read_some(std::chrono::milliseconds guard) {
    if (closed_ || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(guard.count())) <= 0) return false;
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// The status code of a response's first line, or 0.
inline int status_of(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return 0;
  return std::stoi(std::string(response.substr(9, 3)));
}

}  // namespace herd::testing
