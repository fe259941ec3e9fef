#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "http/connection.h"
#include "http/request_id.h"
#include "http/socket.h"
#include "http/worker_pool.h"

namespace herd::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kTick{50};             // deadline sweep granularity
constexpr std::chrono::milliseconds kAcceptPause{100};     // after running out of fds
constexpr std::chrono::milliseconds kLingerAfterError{1000};  // read and drop, then close
constexpr size_t kReadChunk = 64u << 10;
constexpr size_t kMaxReadPerWake = 1u << 20;  // fairness between busy connections
constexpr std::string_view kFullResponse =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

void send_now(int fd, std::string_view text) {
  (void)!send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

Response plain_error(int status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = std::string(message) + "\n";
  r.set_header("Content-Type", "text/plain; charset=utf-8");
  return r;
}

}  // namespace

Server::Server(ServerParams params)
    : params_(std::move(params)),
      cheap_(std::make_unique<WorkerPool>(params_.cheap_threads, params_.max_connections)),
      heavy_(std::make_unique<WorkerPool>(params_.heavy_threads, 0)) {
  if (!params_.error_response) params_.error_response = plain_error;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  fallback_ = [this](const Request&, ResponseWriter& w) { w.send(params_.error_response(404, "not found")); };
}

Server::~Server() {
  stop();
  cheap_->shutdown();
  heavy_->shutdown();
  conns_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  close(wake_fd_);
  close(epoll_fd_);
}

void Server::route(std::string method, std::string path, Lane lane, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), false, lane, std::move(handler)});
}

void Server::route_prefix(std::string method, std::string prefix, Lane lane, Handler handler) {
  routes_.push_back({std::move(method), std::move(prefix), true, lane, std::move(handler)});
}

void Server::fallback(Handler handler) { fallback_ = std::move(handler); }

const Server::Route* Server::find_route(const Request& request) const {
  // HEAD is answered as GET would be, without the body (the writer drops it).
  const std::string_view method = request.method == "HEAD" ? std::string_view("GET") : request.method;
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (r.method != method) continue;
    if (!r.prefix && r.path == request.path) return &r;
    if (r.prefix && request.path.size() > r.path.size() && request.path.compare(0, r.path.size(), r.path) == 0 &&
        (best == nullptr || r.path.size() > best->path.size())) {
      best = &r;
    }
  }
  return best;
}

Result<int> Server::bind() {
  HERD_ASSIGN_OR_RETURN(Listener l, listen_tcp(params_.host, params_.port, SOMAXCONN));
  listen_fd_ = l.fd;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  return l.port;
}

Status Server::serve() {
  if (listen_fd_ < 0) return io_error("the HTTP server is not bound");
  serving_.store(true);
  loop();
  // Cut what is left: a running handler sees its client gone and ends.
  for (auto& [fd, c] : conns_) shutdown(fd, SHUT_RDWR);
  conns_.clear();
  n_open_.store(0);
  cheap_->shutdown();
  heavy_->shutdown();
  {
    std::lock_guard<std::mutex> lock(returned_mu_);
    returned_.clear();
  }
  serving_.store(false);
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    done_ = true;
  }
  done_cv_.notify_all();
  return Status();
}

void Server::begin_drain() {
  draining_.store(true);
  wake();
}

void Server::drain() {
  begin_drain();
  if (listen_fd_ < 0) return;
  std::unique_lock<std::mutex> lock(done_mu_);
  done_cv_.wait(lock, [this] { return done_; });
}

void Server::stop() {
  stopping_.store(true);
  wake();
}

void Server::wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void Server::watch(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void Server::close_connection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  conns_.erase(fd);  // the last owner closes the descriptor
  n_open_.store(conns_.size());
}

void Server::loop() {
  epoll_event events[64];
  Clock::time_point next_sweep = Clock::now() + kTick;
  while (!stopping_.load()) {
    // Draining ends as soon as no handler runs; idle, half-sent and stalled connections
    // never hold it up (serve() cuts them). Until then they are still answered (with
    // Connection: close), so a client that polls /health on a kept-alive connection
    // reads the draining answer instead of racing a close of its idle connection.
    if (draining_.load() && dispatched_.load() == 0) break;
    const int n = epoll_wait(epoll_fd_, events, 64, static_cast<int>(kTick.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == wake_fd_) {
        uint64_t v;
        (void)!read(wake_fd_, &v, sizeof v);
        take_back_returned();
      } else if (auto it = conns_.find(fd); it != conns_.end() && it->second->phase != Connection::Phase::kDispatched) {
        std::shared_ptr<Connection> c = it->second;
        on_readable(c);
      }
    }
    if (Clock::now() >= next_sweep) {
      sweep_deadlines();
      next_sweep = Clock::now() + kTick;
    }
  }
}

void Server::accept_all() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop watching the listener for a moment instead of spinning.
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        accept_paused_until_ = Clock::now() + kAcceptPause;
      }
      return;
    }
    if (conns_.size() >= params_.max_connections) {
      send_now(fd, kFullResponse);
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_shared<Connection>(fd, params_.limits);
    c->deadline = Clock::now() + std::min(params_.idle_timeout, params_.header_timeout);
    conns_.emplace(fd, c);
    n_open_.store(conns_.size());
    watch(fd);
  }
}

void Server::on_readable(const std::shared_ptr<Connection>& c) {
  char buf[kReadChunk];
  size_t total = 0;
  while (total < kMaxReadPerWake) {
    const ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      close_connection(c->fd);  // closed or reset by the peer
      return;
    }
    total += static_cast<size_t>(n);
    if (c->phase == Connection::Phase::kClosing) continue;  // dropped
    c->in.append(buf, static_cast<size_t>(n));
    advance(c);
    if (c->phase == Connection::Phase::kDispatched || !conns_.count(c->fd)) return;
  }
}

void Server::advance(const std::shared_ptr<Connection>& c) {
  using State = RequestParser::State;
  const State before = c->parser.state();
  const State now_state = c->parser.feed(c->in);
  const Clock::time_point now = Clock::now();
  if (c->phase == Connection::Phase::kIdle && now_state != State::kIdle) {
    c->phase = Connection::Phase::kReading;
    c->deadline = now + params_.header_timeout;  // for the whole head, not per read
  }
  if (before != State::kBody && (now_state == State::kBody || now_state == State::kComplete)) {
    c->deadline = now + params_.body_timeout;  // for the whole body
    if (c->parser.expects_continue() && now_state == State::kBody && !c->continue_sent) {
      c->continue_sent = true;
      send_now(c->fd, kContinue);
    }
  }
  if (now_state == State::kComplete) {
    c->continue_sent = false;
    dispatch(c, c->parser.take());
  } else if (now_state == State::kError) {
    dispatch_error(c, c->parser.error_status(), c->parser.error_message());
  }
}

void Server::dispatch(const std::shared_ptr<Connection>& c, Request request) {
  request.id = request_id_for(request.header("x-request-id"));
  const Route* route = find_route(request);
  const Handler* handler = route != nullptr ? &route->handler : &fallback_;
  const Lane lane = route != nullptr ? route->lane : Lane::kCheap;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  c->phase = Connection::Phase::kDispatched;
  ++dispatched_;
  auto shared = std::make_shared<Request>(std::move(request));
  auto heavy_job = [this, c, shared, handler] { run_handler(c, *shared, *handler, Lane::kHeavy); };
  if (lane == Lane::kHeavy && heavy_->try_submit(std::move(heavy_job))) return;
  Handler busy;
  if (lane == Lane::kHeavy) {
    busy = [this](const Request&, ResponseWriter& w) {
      w.send(params_.error_response(params_.busy_status, "the server is busy"));
    };
  }
  if (!cheap_->try_submit([this, c, shared, handler, busy = std::move(busy)] {
        run_handler(c, *shared, busy ? busy : *handler, Lane::kCheap);
      })) {
    --dispatched_;
    close_connection(c->fd);
  }
}

void Server::dispatch_error(const std::shared_ptr<Connection>& c, int status, std::string message) {
  Request request;
  request.keep_alive = false;
  request.id = new_request_id();
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  c->phase = Connection::Phase::kDispatched;
  ++dispatched_;
  auto shared = std::make_shared<Request>(std::move(request));
  Handler answer = [this, status, message = std::move(message)](const Request&, ResponseWriter& w) {
    w.send(params_.error_response(status, message));
  };
  if (!cheap_->try_submit([this, c, shared, answer = std::move(answer)] {
        run_handler(c, *shared, answer, Lane::kCheap);
      })) {
    --dispatched_;
    close_connection(c->fd);
  }
}

void Server::run_handler(const std::shared_ptr<Connection>& c, const Request& request, const Handler& handler,
                         Lane lane) {
  // Nothing may escape a worker (std::terminate) or skip give_back (drain would wait
  // for it forever): what throws outside the handler (a log sink, memory) cuts the
  // connection instead.
  bool keep = false;
  try {
    keep = answer(c, request, handler, lane);
  } catch (...) {
    c->broken.store(true);
  }
  give_back(c, keep);
}

bool Server::answer(const std::shared_ptr<Connection>& c, const Request& request, const Handler& handler,
                    Lane lane) {
  const Clock::time_point start = Clock::now();
  Headers extra;
  if (params_.extra_headers) params_.extra_headers(request, &extra);
  ResponseWriter writer(c, request, std::move(extra), &draining_,
                        lane == Lane::kCheap ? params_.cheap_write_timeout : params_.write_timeout,
                        params_.idle_timeout);
  std::string failure;
  try {
    handler(request, writer);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (!failure.empty() && params_.log_error) {
    params_.log_error("request " + request.id + " (" + request.method + " " + request.path + "): " + failure);
  }
  int status = writer.status();
  if (!writer.started() && writer.client_gone()) {
    status = kClientGone;  // nothing to answer: the client left first
    c->broken.store(true);
  } else if (!writer.started()) {
    writer.send(params_.error_response(500, "internal server error"));
    status = writer.status();
  } else if (!writer.finished()) {
    c->broken.store(true);  // a response cut short: the client must not wait for the rest
  }
  if (params_.on_request_done) {
    AccessRecord record;
    record.request = &request;
    record.status = status;
    record.bytes_sent = writer.bytes_sent();
    record.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
    record.note = &writer.note();
    params_.on_request_done(record);
  }
  return writer.keep_alive();
}

void Server::give_back(std::shared_ptr<Connection> c, bool keep) {
  {
    std::lock_guard<std::mutex> lock(returned_mu_);
    returned_.emplace_back(std::move(c), keep);
  }
  --dispatched_;
  wake();
}

void Server::take_back_returned() {
  std::vector<std::pair<std::shared_ptr<Connection>, bool>> back;
  {
    std::lock_guard<std::mutex> lock(returned_mu_);
    back.swap(returned_);
  }
  const Clock::time_point now = Clock::now();
  for (auto& [c, keep] : back) {
    if (!conns_.count(c->fd)) continue;  // cut meanwhile
    if (!keep || draining_.load() || c->broken.load()) {
      if (c->parser.state() == RequestParser::State::kError && !c->broken.load()) {
        // The client may still be sending what we refused: drop it for a moment so the
        // error is read rather than lost to a reset.
        shutdown(c->fd, SHUT_WR);
        c->phase = Connection::Phase::kClosing;
        c->deadline = now + kLingerAfterError;
        watch(c->fd);
      } else {
        close_connection(c->fd);
      }
      continue;
    }
    c->phase = Connection::Phase::kIdle;
    c->deadline = now + params_.idle_timeout;
    watch(c->fd);
    if (!c->in.empty()) advance(c);  // a pipelined request already here
  }
}

void Server::sweep_deadlines() {
  const Clock::time_point now = Clock::now();
  std::vector<int> expired;
  for (auto& [fd, c] : conns_) {
    if (c->phase != Connection::Phase::kDispatched && now >= c->deadline) expired.push_back(fd);
  }
  for (int fd : expired) close_connection(fd);
  if (accept_paused_until_ != Clock::time_point{} && now >= accept_paused_until_) {
    accept_paused_until_ = {};
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  }
}

}  // namespace herd::http
