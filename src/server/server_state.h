// What the request handlers share (internal to src/server).
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/gateway.h"
#include "http/response_writer.h"
#include "runtime/generation_service.h"
#include "runtime/model_pool.h"
#include "server/browser_policy.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/openai_errors.h"
#include "server/served_model.h"

namespace herd::server {

struct ServerState {
  explicit ServerState(HttpServerParams p) : params(std::move(p)) {}

  const HttpServerParams params;
  BrowserPolicy policy;
  ServerMetrics metrics;

  // Written once by set_pool or set_ready before `ready` is published, read-only after.
  ModelPool* pool = nullptr;
  std::unique_ptr<ModelPool> owned_pool;  // set_ready's pool of one running engine
  bool chat_parse_special = false;
  int64_t created = 0;                    // every model's `created`: the server's start
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};

  void log(std::string_view line) const;
};

// Counts one completion request in the in-flight gauge while it lives.
class InFlight {
 public:
  explicit InFlight(ServerState* state) : state_(state) { state_->metrics.add_in_flight(1); }
  ~InFlight() { state_->metrics.add_in_flight(-1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  ServerState* state_;
};

// One request's model: the lease keeps it loaded (and its engine alive) while the
// request lives; `served` is how the handlers see it.
struct ModelInUse {
  ModelLease lease;
  ServedModel served;
};
// The model `name` names ("": the first), loaded for the request, waiting for its load
// when needed (which counts in its queue). Errors as ModelPool::acquire gives them.
Result<ModelInUse> use_model(ServerState& state, const std::string& name, const AcquireOptions& options);
// A pool of one engine that already runs (not owned): what set_ready serves.
std::unique_ptr<ModelPool> single_model_pool(const ServedModel& model, GenerationService* service);

// POST /v1/chat/completions and /v1/completions. `caller`: the key's holder with --auth
// (admitted and billed through params.gateway), else nullptr.
void handle_completion(ServerState& state, Endpoint endpoint, const http::Request& request,
                       http::ResponseWriter& writer, const gateway::Caller* caller);
// POST /tokenize and /detokenize.
void handle_tokenize(ServerState& state, const http::Request& request, http::ResponseWriter& writer,
                     const gateway::Caller* caller);
void handle_detokenize(ServerState& state, const http::Request& request, http::ResponseWriter& writer,
                       const gateway::Caller* caller);

// The error as a response: OpenAI's body, Retry-After when it has one.
http::Response error_response(const ApiError& error);
// What a client may see of an error: a server-side failure (500) is logged with the
// request id and answered with a generic message that names only that id.
ApiError public_error(const ServerState& state, const http::Request& request, ApiError error);
// Sends public_error(error).
void send_error(const ServerState& state, const http::Request& request, http::ResponseWriter& writer,
                const ApiError& error);
void send_json(http::ResponseWriter& writer, int status, const nlohmann::ordered_json& body);

}  // namespace herd::server
