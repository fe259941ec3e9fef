// herd's HTTP/1.1 server. One event-loop thread (epoll) accepts connections, reads and
// parses requests under whole-header and whole-body deadlines and closes idle keep-alive
// connections, so slow or idle clients hold no thread. A complete request runs on a
// worker: routes marked kCheap (health, metrics, listings, errors) on a small pool of
// their own, so they answer while every kHeavy worker is busy. Pipelined requests are
// answered in order: the next is parsed only after the previous response is done.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "http/request.h"
#include "http/request_parser.h"
#include "http/response.h"
#include "http/response_writer.h"

namespace herd::http {

struct Connection;
class WorkerPool;

enum class Lane { kCheap, kHeavy };

using Handler = std::function<void(const Request&, ResponseWriter&)>;

// The status logged for a request whose client left before any answer (nginx's 499).
inline constexpr int kClientGone = 499;

// One line's worth of what happened to a request, for the access log and metrics.
struct AccessRecord {
  const Request* request = nullptr;  // nullptr when the request never parsed
  int status = 0;
  uint64_t bytes_sent = 0;
  double duration_s = 0.0;  // from the complete request to the end of the response
  const AccessNote* note = nullptr;
};

struct ServerParams {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  ParserLimits limits;
  size_t max_connections = 2048;  // more: answered 503 and closed
  std::chrono::milliseconds header_timeout{10000};  // first byte to the end of the headers
  std::chrono::milliseconds body_timeout{30000};    // end of the headers to the end of the body
  std::chrono::milliseconds idle_timeout{5000};     // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};   // a write that cannot progress this long fails
  // The same on the cheap lane, whose few threads must not wait long on one client
  // that does not read (e.g. one that pipelines many requests and reads none).
  std::chrono::milliseconds cheap_write_timeout{2000};
  size_t cheap_threads = 2;
  size_t heavy_threads = 64;  // heavy requests handled at once; more get busy_status
  int busy_status = 503;
  // The response for an error the server makes itself (malformed request 400, 413, 431,
  // busy, 500 from a handler that threw); the default is a plain-text body.
  std::function<Response(int status, std::string_view message)> error_response;
  // Headers added to every response to this request (e.g. CORS).
  std::function<void(const Request&, Headers*)> extra_headers;
  // Called once per answered request, on the worker that answered it.
  std::function<void(const AccessRecord&)> on_request_done;
  // Internal errors (a handler's exception text): never sent to the client.
  std::function<void(std::string_view)> log_error;
};

class Server {
 public:
  explicit Server(ServerParams params);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes; add them before serve(). `route` matches the path exactly, `route_prefix`
  // any path starting with the prefix (longest registered match wins). HEAD requests
  // go to GET routes. Unmatched requests go to the fallback (cheap lane).
  void route(std::string method, std::string path, Lane lane, Handler handler);
  void route_prefix(std::string method, std::string prefix, Lane lane, Handler handler);
  void fallback(Handler handler);

  // Listens (SOMAXCONN backlog); returns the port. kIoError when the port is in use.
  Result<int> bind();
  // Runs the loop until stop() or the end of drain(); blocks.
  Status serve();

  // Graceful: every response from now on says Connection: close, and serve() ends (cutting
  // idle keep-alive and half-sent connections) as soon as no handler is running; idle
  // and slow clients never delay it. Returns at once; serve() returning is the end.
  void begin_drain();
  // begin_drain(), then waits for serve() to return.
  void drain();
  // Ends serve() at once: every connection is cut, handlers see their client gone.
  void stop();

  bool draining() const { return draining_.load(); }
  size_t open_connections() const { return n_open_.load(); }

 private:
  struct Route {
    std::string method, path;
    bool prefix;
    Lane lane;
    Handler handler;
  };
  const Route* find_route(const Request& request) const;

  void loop();
  void accept_all();
  void on_readable(const std::shared_ptr<Connection>& c);
  void advance(const std::shared_ptr<Connection>& c);
  void dispatch(const std::shared_ptr<Connection>& c, Request request);
  void dispatch_error(const std::shared_ptr<Connection>& c, int status, std::string message);
  void run_handler(const std::shared_ptr<Connection>& c, const Request& request, const Handler& handler,
                   Lane lane);
  // Runs the handler and answers for it; true when the connection may serve another request.
  bool answer(const std::shared_ptr<Connection>& c, const Request& request, const Handler& handler, Lane lane);
  void give_back(std::shared_ptr<Connection> c, bool keep);
  void take_back_returned();
  void sweep_deadlines();
  void close_connection(int fd);
  void watch(int fd);
  void wake();

  ServerParams params_;
  std::vector<Route> routes_;
  Handler fallback_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unique_ptr<WorkerPool> cheap_;
  std::unique_ptr<WorkerPool> heavy_;

  // Loop thread only.
  std::unordered_map<int, std::shared_ptr<Connection>> conns_;
  std::chrono::steady_clock::time_point accept_paused_until_{};

  std::mutex returned_mu_;
  std::vector<std::pair<std::shared_ptr<Connection>, bool>> returned_;  // from workers: (conn, keep)

  std::atomic<int> dispatched_{0};
  std::atomic<size_t> n_open_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

}  // namespace herd::http
