#include "fixture_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace herd::testing {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 307: return "Temporary Redirect";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

// Reads the request head (up to the blank line); false when the client gave up first.
bool read_head(int fd, std::string* head, const std::atomic<bool>& stop) {
  char buf[4096];
  while (head->find("\r\n\r\n") == std::string::npos) {
    if (stop || head->size() > 65536) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, 50);
    if (r < 0) return false;
    if (r == 0) continue;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    head->append(buf, static_cast<size_t>(n));
  }
  return true;
}

FixtureRequest parse_head(const std::string& head) {
  FixtureRequest req;
  size_t at = head.find("\r\n");
  const std::string first = head.substr(0, at);
  const size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  req.method = first.substr(0, sp1);
  if (sp1 != std::string::npos && sp2 > sp1) req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  while (at != std::string::npos && at + 2 < head.size()) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, next - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    at = next;
  }
  return req;
}

}  // namespace

FixtureServer::FixtureServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(listen_fd_, 64) == 0) {
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FixtureServer::~FixtureServer() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  close(listen_fd_);
}

std::string FixtureServer::url(const std::string& host) const { return "http://" + host + ":" + std::to_string(port_); }

std::vector<LoggedRequest> FixtureServer::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

uint64_t FixtureServer::body_bytes_sent(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& r : log_) {
    if (r.request.target.rfind(prefix, 0) == 0) n += r.body_bytes_sent;
  }
  return n;
}

size_t FixtureServer::requests_to(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::count_if(log_.begin(), log_.end(),
                       [&](const LoggedRequest& r) { return r.request.target.rfind(prefix, 0) == 0; });
}

void FixtureServer::clear_log() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

bool FixtureServer::wait_idle() const {
  for (int i = 0; i < 1000 && open_ > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return open_ == 0;
}

void FixtureServer::sleep_ms(int ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void FixtureServer::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++open_;
    std::lock_guard<std::mutex> lock(mu_);
    workers_.emplace_back([this, fd] {
      serve(fd);
      close(fd);
      --open_;
    });
  }
}

bool FixtureServer::send_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    if (stop_) return false;
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void FixtureServer::serve(int fd) {
  std::string head;
  if (!read_head(fd, &head, stop_)) return;
  const FixtureRequest req = parse_head(head);
  const FixtureReply reply = handler_(req);
  size_t index = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = log_.size();
    log_.push_back({req, reply.status, 0});
  }
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
  for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!send_all(fd, out.data(), out.size())) return;
  size_t limit = reply.body.size();
  if (reply.cut_after) limit = std::min(limit, *reply.cut_after);
  if (reply.stall_after) limit = std::min(limit, *reply.stall_after);
  const size_t chunk = reply.chunk > 0 ? reply.chunk : limit;
  size_t sent = 0;
  while (sent < limit) {
    const size_t n = std::min(chunk, limit - sent);
    if (!send_all(fd, reply.body.data() + sent, n)) break;
    sent += n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (index < log_.size()) log_[index].body_bytes_sent = sent;
    }
    if (reply.chunk_delay_ms > 0 && sent < limit) sleep_ms(reply.chunk_delay_ms);
  }
  if (reply.stall_after) sleep_ms(reply.stall_ms);
  if (reply.reset) {
    linger l{1, 0};  // close now with an RST
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
}

}  // namespace herd::testing
