// POST /tokenize and /detokenize (llama.cpp's shapes). /tokenize reads special-token
// markup in the content as plain text unless the client asks for parse_special.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/json_limits.h"
#include "server/auth.h"
#include "server/openai_response.h"
#include "server/server_state.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

// The body as a JSON object, and the model its "model" names (the first when absent),
// loaded; else the error was sent.
struct TokenizeInput {
  Json body;
  ModelInUse model;
};
std::optional<TokenizeInput> ready_input(ServerState& s, const http::Request& req, http::ResponseWriter& w,
                                         const gateway::Caller* caller) {
  const int retry = s.params.retry_after_s;
  if (!s.ready.load(std::memory_order_acquire)) {
    send_error(s, req, w, api_error(unavailable("the model is still loading"), "", retry));
    return std::nullopt;
  }
  Result<Json> body = parse_json_object<Json>(req.body);
  if (!body.ok()) {
    send_error(s, req, w, api_error(body.status()));
    return std::nullopt;
  }
  std::string name;
  if (auto it = body->find("model"); it != body->end() && !it->is_null()) {
    if (!it->is_string()) {
      send_error(s, req, w, api_error(invalid_argument("'model' must be a string"), "model"));
      return std::nullopt;
    }
    name = it->get<std::string>();
  }
  if (std::optional<ModelSpec> spec = s.pool->find(name); spec && !may_use_model(s.params.gateway, caller, *spec)) {
    w.send(refusal_response(gateway::Gateway::model_not_allowed(name.empty() ? spec->id : name)));
    return std::nullopt;
  }
  AcquireOptions use;
  use.cancelled = [&w] { return w.client_gone(); };
  Result<ModelInUse> model = use_model(s, name, use);
  if (!model.ok()) {
    const Status& st = model.status();
    const Status shown = st.code() == StatusCode::kNotFound ? not_found("the model '" + echo(name) + "' does not exist") : st;
    send_error(s, req, w, api_error(shown, st.code() == StatusCode::kNotFound ? "model" : "", retry));
    return std::nullopt;
  }
  return TokenizeInput{std::move(body).value(), std::move(model).value()};
}

// A JSON answer written as it is made: whole when it stays small, else as a stream,
// so a long token list never sits in memory as a DOM (~200 bytes per token with
// pieces: an 8 MB body took 1.9 GB) or as one big string.
class JsonAnswer {
 public:
  explicit JsonAnswer(http::ResponseWriter& w) : w_(w) {}

  // False once the client is gone.
  bool add(std::string_view text) {
    buf_ += text;
    return buf_.size() < kFlushBytes || flush();
  }

  void finish() {
    if (w_.started()) {
      if (flush()) w_.end_stream();
      return;
    }
    http::Response r;
    r.set_header("Content-Type", "application/json");
    r.body = std::move(buf_);
    w_.send(std::move(r));
  }

 private:
  static constexpr size_t kFlushBytes = 64u << 10;

  bool flush() {
    if (!w_.started() && !w_.start_stream(200, {{"Content-Type", "application/json"}})) return false;
    const bool ok = w_.write(buf_);
    buf_.clear();
    return ok;
  }

  http::ResponseWriter& w_;
  std::string buf_;
};

}  // namespace

void handle_tokenize(ServerState& s, const http::Request& req, http::ResponseWriter& w, const gateway::Caller* caller) {
  std::optional<TokenizeInput> input = ready_input(s, req, w, caller);
  if (!input) return;
  std::optional<Json> body = std::move(input->body);
  const Json& content = (*body)["content"];
  if (!content.is_string()) {
    return send_error(s, req, w, api_error(invalid_argument("'content' must be a string"), "content"));
  }
  bool flags[3] = {false, false, false};  // add_special, parse_special, with_pieces
  const char* names[3] = {"add_special", "parse_special", "with_pieces"};
  for (int i = 0; i < 3; ++i) {
    auto it = body->find(names[i]);
    if (it == body->end() || it->is_null()) continue;
    if (!it->is_boolean()) {
      return send_error(
          s, req, w, api_error(invalid_argument(std::string("'") + names[i] + "' must be true or false"), names[i]));
    }
    flags[i] = it->get<bool>();
  }
  const Tokenizer& tok = *input->model.served.tokenizer;
  const std::vector<int32_t> ids = tok.encode(content.get<std::string>(), flags[0], flags[1]);
  body.reset();
  JsonAnswer answer(w);
  answer.add("{\"tokens\":[");
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string item = i > 0 ? "," : "";
    if (flags[2]) {
      item += "{\"id\":" + std::to_string(ids[i]) + ",\"piece\":";
      item += to_wire(Json(tok.token_to_piece(ids[i], /*render_special=*/true))) + "}";
    } else {
      item += std::to_string(ids[i]);
    }
    if (!answer.add(item)) return;
  }
  answer.add("]}");
  answer.finish();
}

void handle_detokenize(ServerState& s, const http::Request& req, http::ResponseWriter& w,
                       const gateway::Caller* caller) {
  std::optional<TokenizeInput> input = ready_input(s, req, w, caller);
  if (!input) return;
  const Json& tokens = input->body["tokens"];
  const Tokenizer& tok = *input->model.served.tokenizer;
  const Status bad = invalid_argument("'tokens' must be a list of token ids in [0, " +
                                      std::to_string(tok.vocab().n_tokens()) + ")");
  if (!tokens.is_array()) return send_error(s, req, w, api_error(bad, "tokens"));
  std::vector<int32_t> ids;
  for (const Json& t : tokens) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tok.vocab().n_tokens()) {
      return send_error(s, req, w, api_error(bad, "tokens"));
    }
    ids.push_back(static_cast<int32_t>(t.get<int64_t>()));
  }
  send_json(w, 200, {{"content", tok.decode(ids)}});
}

}  // namespace herd::server
