#include "server/http_server.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "http/server.h"
#include "gateway/gateway.h"
#include "server/access_log.h"
#include "server/admin_routes.h"
#include "server/auth.h"
#include "server/openai_response.h"
#include "server/server_state.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

Json model_json(const ModelSpec& spec, int64_t created) {
  return {{"id", spec.id}, {"object", "model"}, {"created", created}, {"owned_by", "herd"}};
}

// The OpenAI error for a status the HTTP layer answers by itself.
ApiError protocol_error(int status, std::string_view message, int retry_after_s) {
  ApiError e;
  if (status == 413) return payload_too_large_error(0);
  if (status == 429) {
    e = api_error(resource_exhausted("the server is busy: " + std::string(message)), "", retry_after_s);
  } else if (status == 503) {
    e = api_error(unavailable(std::string(message)), "", retry_after_s);
  } else if (status >= 500) {
    e = api_error(internal_error("internal server error"));
  } else {
    e = api_error(invalid_argument(std::string(message)));
  }
  e.http_status = status;
  return e;
}

}  // namespace

void ServerState::log(std::string_view line) const {
  // One line each: control bytes (from a client's path or an engine's message) are
  // escaped so that no line can be forged.
  std::string clean;
  clean.reserve(line.size());
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      clean += c;
      continue;
    }
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
    clean += escaped;
  }
  if (params.log) {
    params.log(clean);
  } else {
    std::fprintf(stderr, "herd serve: %s\n", clean.c_str());
  }
}

http::Response error_response(const ApiError& error) {
  http::Response r;
  r.status = error.http_status;
  if (error.retry_after_s > 0) r.set_header("Retry-After", std::to_string(error.retry_after_s));
  r.set_header("Content-Type", "application/json");
  r.body = error_body(error);
  return r;
}

ApiError public_error(const ServerState& state, const http::Request& request, ApiError error) {
  if (error.http_status < 500 || error.http_status == 503) return error;
  state.log("error: request " + request.id + ": " + error.message);
  error.message = "internal server error (request id " + request.id + ")";
  return error;
}

void send_error(const ServerState& state, const http::Request& request, http::ResponseWriter& writer,
                const ApiError& error) {
  writer.send(error_response(public_error(state, request, error)));
}

void send_json(http::ResponseWriter& writer, int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.body = to_wire(body);
  writer.send(std::move(r));
}

HttpServer::HttpServer(HttpServerParams params) : state_(std::make_unique<ServerState>(std::move(params))) {
  ServerState& s = *state_;
  s.policy.check_host = is_loopback_bind(s.params.host);
  s.policy.cors_origin = s.params.cors_origin;
  http::ServerParams hp;
  hp.host = s.params.host;
  hp.port = s.params.port;
  hp.limits.max_body_bytes = s.params.max_body_bytes;
  hp.max_connections = s.params.max_connections;
  hp.header_timeout = s.params.header_timeout;
  hp.body_timeout = s.params.body_timeout;
  hp.idle_timeout = s.params.idle_timeout;
  hp.heavy_threads = static_cast<size_t>(std::max(4, s.params.n_http_threads));
  hp.busy_status = 429;
  hp.error_response = [&s](int status, std::string_view message) {
    if (status == 413) return error_response(payload_too_large_error(s.params.max_body_bytes));
    return error_response(protocol_error(status, message, s.params.retry_after_s));
  };
  hp.extra_headers = [&s](const http::Request& req, http::Headers* out) { *out = cors_headers(req, s.policy); };
  hp.on_request_done = [&s](const http::AccessRecord& r) {
    s.metrics.count_request(route_label(r.request != nullptr ? r.request->path : ""), r.status);
    if (s.params.access_log) s.log(access_log_line(r));
  };
  hp.log_error = [&s](std::string_view line) { s.log("error: " + std::string(line)); };
  http_ = std::make_unique<http::Server>(std::move(hp));
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
  ServerState& s = *state_;
  http::Server& h = *http_;
  using http::Lane;
  using http::Request;
  using http::ResponseWriter;

  // Every route first passes the browser policy.
  auto guarded = [&s](bool json_body, auto handler) {
    return [&s, json_body, handler](const Request& req, ResponseWriter& w) {
      if (std::optional<ApiError> refused = check_browser_policy(req, s.policy, json_body)) {
        return send_error(s, req, w, *refused);
      }
      handler(req, w);
    };
  };

  // With --auth, a route first asks the gateway who calls (401 / 403 answered here); the
  // handler gets the caller (nullptr when auth is off).
  enum class Need { kKey, kAdmin };
  auto authed = [&s, guarded](bool json_body, Need need, auto handler) {
    return guarded(json_body, [&s, need, handler](const Request& req, ResponseWriter& w) {
      std::optional<gateway::Caller> caller;
      if (s.params.gateway != nullptr) {
        std::variant<gateway::Caller, gateway::Refusal> who = s.params.gateway->authenticate(presented_key(req));
        if (const auto* refused = std::get_if<gateway::Refusal>(&who)) return (void)w.send(refusal_response(*refused));
        caller = std::get<gateway::Caller>(std::move(who));
        if (need == Need::kAdmin && !caller->admin) {
          gateway::Refusal r;
          r.kind = gateway::Refusal::Kind::kNotAdmin;
          r.message = "this route needs an admin key";
          return (void)w.send(refusal_response(r));
        }
        w.note().key = caller->name;  // the access log names the key, never shows it
      }
      handler(req, w, caller ? &*caller : nullptr);
    });
  };
  using gateway::Caller;

  h.route("POST", "/v1/chat/completions", Lane::kHeavy,
          authed(true, Need::kKey, [&s](const Request& req, ResponseWriter& w, const Caller* c) {
            handle_completion(s, Endpoint::kChatCompletions, req, w, c);
          }));
  h.route("POST", "/v1/completions", Lane::kHeavy,
          authed(true, Need::kKey, [&s](const Request& req, ResponseWriter& w, const Caller* c) {
            handle_completion(s, Endpoint::kCompletions, req, w, c);
          }));
  h.route("POST", "/tokenize", Lane::kHeavy,
          authed(true, Need::kKey, [&s](const Request& req, ResponseWriter& w, const Caller* c) {
            handle_tokenize(s, req, w, c);
          }));
  h.route("POST", "/detokenize", Lane::kHeavy,
          authed(true, Need::kKey, [&s](const Request& req, ResponseWriter& w, const Caller* c) {
            handle_detokenize(s, req, w, c);
          }));

  h.route("GET", "/health", Lane::kCheap, guarded(false, [&s](const Request&, ResponseWriter& w) {
            const char* status = s.draining.load()                              ? "draining"
                                 : s.ready.load(std::memory_order_acquire) ? "ok"
                                                                           : "loading";
            http::Response r;
            r.status = std::string(status) == "ok" ? 200 : 503;
            if (r.status != 200) r.set_header("Retry-After", std::to_string(s.params.retry_after_s));
            r.set_header("Content-Type", "application/json");
            r.body = to_wire(Json{{"status", status}});
            w.send(std::move(r));
          }));
  h.route("GET", "/v1/models", Lane::kCheap,
          authed(false, Need::kKey, [&s](const Request&, ResponseWriter& w, const Caller* c) {
            Json data = Json::array();
            if (s.ready.load(std::memory_order_acquire)) {
              for (const ModelSpec& spec : s.pool->specs()) {
                if (may_use_model(s.params.gateway, c, spec)) data.push_back(model_json(spec, s.created));
              }
            }
            send_json(w, 200, {{"object", "list"}, {"data", std::move(data)}});
          }));
  h.route_prefix("GET", "/v1/models/", Lane::kCheap,
                 authed(false, Need::kKey, [&s](const Request& req, ResponseWriter& w, const Caller* c) {
                   const std::string id = req.path.substr(std::string_view("/v1/models/").size());
                   if (s.ready.load(std::memory_order_acquire) && !id.empty()) {
                     if (std::optional<ModelSpec> spec = s.pool->find(id)) {
                       if (!may_use_model(s.params.gateway, c, *spec)) {
                         return (void)w.send(refusal_response(gateway::Gateway::model_not_allowed(id)));
                       }
                       return send_json(w, 200, model_json(*spec, s.created));
                     }
                   }
                   send_error(s, req, w, api_error(not_found("the model '" + echo(id) + "' does not exist"), "model"));
                 }));
  h.route("GET", "/metrics", Lane::kCheap, authed(false, Need::kAdmin, [&s](const Request&, ResponseWriter& w, const Caller*) {
            std::vector<PooledModelStats> models;
            if (s.ready.load(std::memory_order_acquire)) models = s.pool->stats();
            http::Response r;
            r.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            r.body = s.metrics.render(models);
            w.send(std::move(r));
          }));
  // CORS preflight, only when an origin is configured.
  h.route_prefix("OPTIONS", "/", Lane::kCheap, [&s](const Request& req, ResponseWriter& w) {
    const std::optional<std::string_view> origin = req.header("origin");
    if (!origin || !is_allowed_origin(*origin, s.policy)) {
      return send_error(s, req, w, route_not_found_error(req.method, req.path));
    }
    http::Response r;
    r.status = 204;
    r.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    r.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id, X-Api-Key, Idempotency-Key");
    r.set_header("Access-Control-Max-Age", "600");
    w.send(std::move(r));
  });
  if (s.params.registry) install_registry_routes(h, s, *s.params.registry);
  if (s.params.gateway != nullptr) {
    install_admin_routes(h, s, [authed](auto handler) { return authed(true, Need::kAdmin, handler); });
  }
  auto not_found_route = [&s](const Request& req, ResponseWriter& w, const Caller*) {
    send_error(s, req, w, route_not_found_error(req.method, req.path));
  };
  // With --auth, an unknown /v1, /api or /admin route says 401 before 404: which routes
  // exist is not for anonymous callers to learn.
  auto keyed_not_found = authed(false, Need::kKey, not_found_route);
  h.fallback([&s, keyed_not_found, not_found_route](const Request& req, ResponseWriter& w) {
    const std::string_view path = req.path;
    const bool keyed = path.starts_with("/v1/") || path.starts_with("/api/") || path.starts_with("/admin/") ||
                       path == "/v1" || path == "/api" || path == "/admin";
    if (keyed && s.params.gateway != nullptr) return keyed_not_found(req, w);
    not_found_route(req, w, nullptr);
  });
}

Result<int> HttpServer::bind() { return http_->bind(); }

Status HttpServer::serve() { return http_->serve(); }

void HttpServer::set_pool(ModelPool* pool) {
  state_->pool = pool;
  state_->chat_parse_special = state_->params.chat_parse_special;
  state_->created = unix_now();
  state_->ready.store(true, std::memory_order_release);
}

void HttpServer::set_ready(ServedModel model, GenerationService* service) {
  state_->owned_pool = single_model_pool(model, service);
  state_->pool = state_->owned_pool.get();
  state_->chat_parse_special = model.chat_parse_special;
  state_->created = model.created;
  state_->ready.store(true, std::memory_order_release);
}

void HttpServer::drain() {
  if (state_->draining.exchange(true)) return;
  // New work gets 503 and every answer says Connection: close; the server stops once no
  // response is in flight. The engine then has nothing left and stops at once.
  http_->drain();
  if (state_->ready.load(std::memory_order_acquire)) state_->pool->drain();
}

void HttpServer::stop() { http_->stop(); }

bool HttpServer::ready() const { return state_->ready.load(std::memory_order_acquire); }
bool HttpServer::draining() const { return state_->draining.load(); }

}  // namespace herd::server
