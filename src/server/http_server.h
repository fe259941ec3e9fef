// The OpenAI-compatible HTTP server (herd's own http::Server underneath):
//   POST /v1/chat/completions, POST /v1/completions   (JSON or SSE streams)
//   GET  /v1/models, GET /v1/models/{id}
//   GET  /health    200 when ready; 503 with Retry-After while loading or draining
//   GET  /metrics   Prometheus text
//   POST /tokenize, POST /detokenize
//   /v2/...         the store as a model registry (server/registry_routes.h)
//   /admin/keys, /admin/usage, /admin/prices   with --auth and an admin key (admin_routes.h)
// It listens before any model is loaded (so /health can say "loading"); set_pool() hands
// it the models (runtime/model_pool.h: a request names its model, which loads on demand),
// or set_ready() one engine that runs already. drain() is the SIGTERM path: /health goes 503, new
// requests are refused, idle connections close, requests in flight finish, then the
// server stops. Every request gets an access-log line and an x-request-id.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "runtime/generation_service.h"
#include "runtime/model_pool.h"
#include "server/openai_request.h"
#include "server/registry_routes.h"
#include "server/served_model.h"

namespace herd::http {
class Server;
}
namespace herd::gateway {
class Gateway;
}

namespace herd::server {

struct HttpServerParams {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                 // 0: any free port (tests)
  size_t max_body_bytes = 8u << 20;  // larger bodies get 413
  RequestLimits limits;
  int retry_after_s = 1;           // Retry-After on 429 and 503
  int n_http_threads = 32;         // completions and tokenizations handled at once; more get 429
  size_t max_connections = 2048;   // open connections; more are answered 503 and closed
  std::chrono::milliseconds header_timeout{10000};  // for a whole request head
  std::chrono::milliseconds body_timeout{30000};    // for a whole request body
  std::chrono::milliseconds idle_timeout{5000};     // keep-alive wait for the next request
  std::string cors_origin;         // "" no CORS; "*" or one origin to allow
  // With no event for this long a stream sends an SSE comment, which is how a client
  // that went away is noticed while its request waits or prefills.
  std::chrono::milliseconds keep_alive_interval{1000};
  // Where access-log lines and internal errors go (one line each, no newline); default
  // stderr. access_log false keeps only the errors.
  std::function<void(std::string_view)> log;
  bool access_log = true;
  bool chat_parse_special = false;  // see ServedModel::chat_parse_special (set_pool's models)
  // The store served as a model registry under /v2/ (none: no registry routes).
  std::optional<RegistryParams> registry;
  // herd serve --auth (not owned; nullptr: no keys asked): every /v1, /api, /tokenize and
  // /detokenize request needs a key, /admin and /metrics an admin key; requests are
  // admitted against the key's limits and budget and billed in its ledger.
  gateway::Gateway* gateway = nullptr;
};

struct ServerState;

class HttpServer {
 public:
  explicit HttpServer(HttpServerParams params);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port (useful with port 0). kIoError when
  // the address is taken (also by another herd) or invalid.
  Result<int> bind();
  // Serves until stop() or the end of drain(); blocks. Call after bind().
  Status serve();

  // The models to serve: start answering. `pool` is not owned and must outlive the
  // server's serving.
  void set_pool(ModelPool* pool);
  // One model, loaded: start answering. `service` is not owned and must outlive the
  // server's serving; `model.tokenizer` likewise.
  void set_ready(ServedModel model, GenerationService* service);

  // Graceful shutdown, blocking: refuses new work (503), closes idle connections, waits
  // for every response in flight to be written, then stops serving.
  void drain();
  // Stops at once; streams in flight are cut (and their requests cancelled).
  void stop();

  bool ready() const;
  bool draining() const;

 private:
  void install_routes();

  std::unique_ptr<ServerState> state_;
  std::unique_ptr<http::Server> http_;
};

}  // namespace herd::server
