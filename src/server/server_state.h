// What the request handlers share (internal to src/server).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/generation_service.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/openai_errors.h"
#include "server/served_model.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace herd::server {

struct ServerState {
  explicit ServerState(HttpServerParams p) : params(std::move(p)) {}

  const HttpServerParams params;
  ServerMetrics metrics;

  // Written once by set_ready before `ready` is published, read-only after.
  std::optional<ServedModel> model;
  GenerationService* service = nullptr;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};

  // Completion requests being handled, streams included until their last byte.
  std::mutex in_flight_mu;
  std::condition_variable in_flight_cv;
  int in_flight = 0;
};

// Holds one unit of in-flight work; drain() waits for all of them to be released.
class InFlight {
 public:
  explicit InFlight(ServerState* state);
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  ServerState* state_;
};

// POST /v1/chat/completions and /v1/completions, given the request body.
void handle_completion(ServerState& state, Endpoint endpoint, const std::string& body, httplib::Response& res);

// Writes an OpenAI error (and Retry-After when it has one) into `res`.
void set_error(httplib::Response& res, const ApiError& error);

}  // namespace herd::server
