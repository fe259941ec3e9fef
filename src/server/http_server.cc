#include "server/http_server.h"

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "server/openai_response.h"
#include "server/server_state.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

void set_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(to_wire(body), "application/json");
}

// The label /metrics counts a request under: known routes by name, anything else as
// one bucket so that scanning clients cannot grow the label set.
std::string route_label(const std::string& path) {
  for (const char* known : {"/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics",
                            "/tokenize", "/detokenize"}) {
    if (path == known) return known;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

Result<Json> parse_object(const std::string& body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid_argument("the request body is not valid JSON");
  if (!json.is_object()) return invalid_argument("the request body must be a JSON object");
  return json;
}

Json model_json(const ServedModel& model) {
  return {{"id", model.id}, {"object", "model"}, {"created", model.created}, {"owned_by", "herd"}};
}

// A POST handler that reads the body itself, so the size limit holds for every body:
// httplib 0.11 checks it against Content-Length but reads a chunked body whole.
constexpr size_t kMaxDiscardedBytes = size_t{64} << 20;
using BodyHandler = std::function<void(const std::string& body, httplib::Response& res)>;
httplib::Server::HandlerWithContentReader with_body(ServerState& s, BodyHandler handler) {
  return [&s, handler = std::move(handler)](const httplib::Request&, httplib::Response& res,
                                            const httplib::ContentReader& reader) {
    const size_t max = s.params.max_body_bytes;
    std::string body;
    bool too_large = false;
    size_t discarded = 0;
    const bool read = reader([&](const char* data, size_t n) {
      if (!too_large && body.size() + n <= max) {
        body.append(data, n);
        return true;
      }
      // Read on (up to a bound) without keeping it, so the client finishes sending
      // and then sees the 413 rather than a reset connection.
      too_large = true;
      body.clear();
      discarded += n;
      return discarded <= kMaxDiscardedBytes;
    });
    if (too_large || res.status == 413) {
      set_error(res, payload_too_large_error(max));
      return;
    }
    if (!read) {
      set_error(res, api_error(invalid_argument("the request body could not be read")));
      return;
    }
    handler(body, res);
  };
}

}  // namespace

InFlight::InFlight(ServerState* state) : state_(state) {
  state_->metrics.add_in_flight(1);
  std::lock_guard<std::mutex> lock(state_->in_flight_mu);
  ++state_->in_flight;
}

InFlight::~InFlight() {
  state_->metrics.add_in_flight(-1);
  std::lock_guard<std::mutex> lock(state_->in_flight_mu);
  if (--state_->in_flight == 0) state_->in_flight_cv.notify_all();
}

void set_error(httplib::Response& res, const ApiError& error) {
  res.status = error.http_status;
  if (error.retry_after_s > 0) res.set_header("Retry-After", std::to_string(error.retry_after_s));
  res.set_content(error_body(error), "application/json");
}

HttpServer::HttpServer(HttpServerParams params)
    : state_(std::make_unique<ServerState>(std::move(params))), http_(std::make_unique<httplib::Server>()) {
  const int n_threads = std::max(4, state_->params.n_http_threads);
  http_->new_task_queue = [n_threads] { return new httplib::ThreadPool(static_cast<size_t>(n_threads)); };
  http_->set_payload_max_length(state_->params.max_body_bytes);
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
  ServerState& s = *state_;
  httplib::Server& h = *http_;

  h.Post("/v1/chat/completions", with_body(s, [&s](const std::string& body, httplib::Response& res) {
    handle_completion(s, Endpoint::kChatCompletions, body, res);
  }));
  h.Post("/v1/completions", with_body(s, [&s](const std::string& body, httplib::Response& res) {
    handle_completion(s, Endpoint::kCompletions, body, res);
  }));

  h.Get("/health", [&s](const httplib::Request&, httplib::Response& res) {
    const char* status = s.draining.load() ? "draining" : s.ready.load(std::memory_order_acquire) ? "ok" : "loading";
    if (std::string(status) != "ok") res.set_header("Retry-After", std::to_string(s.params.retry_after_s));
    set_json(res, std::string(status) == "ok" ? 200 : 503, {{"status", status}});
  });

  h.Get("/v1/models", [&s](const httplib::Request&, httplib::Response& res) {
    Json data = Json::array();
    if (s.ready.load(std::memory_order_acquire)) data.push_back(model_json(*s.model));
    set_json(res, 200, {{"object", "list"}, {"data", std::move(data)}});
  });
  h.Get(R"(/v1/models/(.+))", [&s](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (s.ready.load(std::memory_order_acquire)) {
      for (const std::string& name : s.model->names) {
        if (name == id) return set_json(res, 200, model_json(*s.model));
      }
    }
    set_error(res, api_error(not_found("the model '" + id + "' does not exist"), "model"));
  });

  h.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    std::optional<EngineStats> stats;
    if (s.ready.load(std::memory_order_acquire)) stats = s.service->stats();
    res.status = 200;
    res.set_content(s.metrics.render(stats), "text/plain; version=0.0.4; charset=utf-8");
  });

  h.Post("/tokenize", with_body(s, [&s](const std::string& req_body, httplib::Response& res) {
    if (!s.ready.load(std::memory_order_acquire)) {
      return set_error(res, api_error(unavailable("the model is still loading"), "", s.params.retry_after_s));
    }
    Result<Json> body = parse_object(req_body);
    if (!body.ok()) return set_error(res, api_error(body.status()));
    const Json& content = (*body)["content"];
    if (!content.is_string()) return set_error(res, api_error(invalid_argument("'content' must be a string"), "content"));
    bool flags[3] = {false, true, false};  // add_special, parse_special, with_pieces
    const char* names[3] = {"add_special", "parse_special", "with_pieces"};
    for (int i = 0; i < 3; ++i) {
      auto it = body->find(names[i]);
      if (it == body->end() || it->is_null()) continue;
      if (!it->is_boolean()) {
        return set_error(res, api_error(invalid_argument(std::string("'") + names[i] + "' must be true or false"),
                                        names[i]));
      }
      flags[i] = it->get<bool>();
    }
    const Tokenizer& tok = *s.model->tokenizer;
    const std::vector<int32_t> ids = tok.encode(content.get<std::string>(), flags[0], flags[1]);
    Json tokens = Json::array();
    for (int32_t id : ids) {
      if (flags[2]) {
        tokens.push_back({{"id", id}, {"piece", tok.token_to_piece(id, /*render_special=*/true)}});
      } else {
        tokens.push_back(id);
      }
    }
    set_json(res, 200, {{"tokens", std::move(tokens)}});
  }));

  h.Post("/detokenize", with_body(s, [&s](const std::string& req_body, httplib::Response& res) {
    if (!s.ready.load(std::memory_order_acquire)) {
      return set_error(res, api_error(unavailable("the model is still loading"), "", s.params.retry_after_s));
    }
    Result<Json> body = parse_object(req_body);
    if (!body.ok()) return set_error(res, api_error(body.status()));
    const Json& tokens = (*body)["tokens"];
    const Tokenizer& tok = *s.model->tokenizer;
    const Status bad = invalid_argument("'tokens' must be a list of token ids in [0, " +
                                        std::to_string(tok.vocab().n_tokens()) + ")");
    if (!tokens.is_array()) return set_error(res, api_error(bad, "tokens"));
    std::vector<int32_t> ids;
    for (const Json& t : tokens) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tok.vocab().n_tokens()) {
        return set_error(res, api_error(bad, "tokens"));
      }
      ids.push_back(static_cast<int32_t>(t.get<int64_t>()));
    }
    set_json(res, 200, {{"content", tok.decode(ids)}});
  }));

  // httplib's own errors (unknown route, 413, a malformed request) and every error
  // status we set: fill in OpenAI's error body unless a handler already wrote one.
  h.set_error_handler(httplib::Server::HandlerWithResponse([&s](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    ApiError e;
    if (res.status == 413) {
      e = payload_too_large_error(s.params.max_body_bytes);
    } else if (res.status == 404) {
      e = route_not_found_error(req.method, req.path);
    } else if (res.status < 500) {
      e = api_error(invalid_argument("malformed HTTP request"));
      e.http_status = res.status;
    } else {
      e = api_error(internal_error("internal server error"));
      e.http_status = res.status;
    }
    set_error(res, e);
    return httplib::Server::HandlerResponse::Handled;
  }));
  h.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    set_error(res, api_error(internal_error("internal server error: " + what)));
  });
  h.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    s.metrics.count_request(route_label(req.path), res.status);
  });
}

Result<int> HttpServer::bind() {
  const HttpServerParams& p = state_->params;
  if (p.port == 0) {
    const int port = http_->bind_to_any_port(p.host);
    if (port <= 0) return io_error("cannot listen on " + p.host + " (any port)");
    return port;
  }
  if (!http_->bind_to_port(p.host, p.port)) {
    return io_error("cannot listen on " + p.host + ":" + std::to_string(p.port) + " (in use, or not an address here)");
  }
  return p.port;
}

Status HttpServer::serve() {
  serving_.store(true);
  const bool stopped_early = stop_requested_.load();
  const bool clean = stopped_early || http_->listen_after_bind() || stop_requested_.load();
  serving_.store(false);
  return clean ? Status() : io_error("the HTTP server stopped unexpectedly");
}

void HttpServer::set_ready(ServedModel model, GenerationService* service) {
  state_->model = std::move(model);
  state_->service = service;
  state_->ready.store(true, std::memory_order_release);
}

void HttpServer::drain() {
  if (state_->draining.exchange(true)) return;
  if (state_->ready.load(std::memory_order_acquire)) state_->service->drain();
  {
    std::unique_lock<std::mutex> lock(state_->in_flight_mu);
    state_->in_flight_cv.wait(lock, [this] { return state_->in_flight == 0; });
  }
  stop();
}

void HttpServer::stop() {
  stop_requested_.store(true);
  // serve() may be between its check and listening: wait until it listens or returns,
  // or the stop would be lost and serve() would block for good.
  while (serving_.load() && !http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (http_->is_running()) http_->stop();
}

bool HttpServer::ready() const { return state_->ready.load(std::memory_order_acquire); }
bool HttpServer::draining() const { return state_->draining.load(); }

}  // namespace herd::server
