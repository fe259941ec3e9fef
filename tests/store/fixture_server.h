// A tiny HTTP/1.1 server on loopback for the pull tests, written on plain sockets so that a test
// controls every byte: bodies cut short, connections reset, slow or stalled senders. One request
// per connection (Connection: close); every request is logged with the bytes of body it got.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace herd::testing {

struct FixtureRequest {
  std::string method;
  std::string target;                         // path and query, as sent
  std::map<std::string, std::string> headers;  // names lowercased
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct FixtureReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Faults, applied while the body is sent (Content-Length always announces the whole body).
  std::optional<size_t> cut_after;  // close after this many body bytes
  bool reset = false;               // with cut_after: an RST instead of an orderly close
  size_t chunk = 0;                 // send in chunks of this size ...
  int chunk_delay_ms = 0;           // ... with this pause between them (a slow sender)
  std::optional<size_t> stall_after;  // send this many bytes, then nothing for stall_ms, then close
  int stall_ms = 0;
};

struct LoggedRequest {
  FixtureRequest request;
  int status = 0;
  uint64_t body_bytes_sent = 0;
};

class FixtureServer {
 public:
  using Handler = std::function<FixtureReply(const FixtureRequest&)>;

  explicit FixtureServer(Handler handler);
  ~FixtureServer();
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  int port() const { return port_; }
  // "http://<host>:<port>"; 127.0.0.1 and localhost reach the same server as two origins.
  std::string url(const std::string& host = "127.0.0.1") const;

  std::vector<LoggedRequest> log() const;
  // Body bytes sent for requests whose target starts with `prefix`.
  uint64_t body_bytes_sent(const std::string& prefix) const;
  size_t requests_to(const std::string& prefix) const;
  void clear_log();
  // Waits (at most a generous guard) until no connection is open; true when idle.
  bool wait_idle() const;

 private:
  void accept_loop();
  void serve(int fd);
  bool send_all(int fd, const char* data, size_t n);
  void sleep_ms(int ms) const;

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<LoggedRequest> log_;
};

}  // namespace herd::testing
