// The two completion endpoints: parse, build the prompt, submit to the engine, then
// either collect the whole answer (JSON, sent with its real status once known) or
// stream it (SSE) as the events arrive. A client that leaves cancels its request.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>
#include <utility>

#include "chat/model_output_parser.h"
#include "server/auth.h"
#include "server/openai_response.h"
#include "server/request_admission.h"
#include "server/preset.h"
#include "server/prompt_builder.h"
#include "server/server_state.h"
#include "server/sse.h"
#include "server/tool_call_grammar.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

using Clock = std::chrono::steady_clock;

// How long one wait for an event lasts before the handler looks at its client again.
constexpr std::chrono::milliseconds kPollInterval{100};

TokenPiece piece_fn(const ServedModel& model) {
  const Tokenizer* tok = model.tokenizer;
  return [tok](int32_t id) { return tok->token_to_piece(id); };
}

// One request's bookkeeping: metrics, the access log's note, and with --auth its ledger
// row, settled (committed) when the request ends and before the client gets the end.
struct Tracker {
  Tracker(ServerState& s, http::ResponseWriter& w, const std::string& model, int32_t n, gateway::Admission* bill)
      : state(s), writer(w), model(model), timer(&s.metrics, model, n), bill(bill) {}

  void on_event(const RequestEvent& event) {
    if (const auto* delta = std::get_if<ChoiceDelta>(&event)) {
      timer.on_delta(delta->index, delta->tokens.size());
      writer.note().ttft_s = timer.ttft_s();
      if (bill != nullptr) {
        bill->row().tokens.completion += static_cast<int64_t>(delta->tokens.size());
        if (bill->row().ttft_us < 0) bill->row().ttft_us = static_cast<int64_t>(timer.ttft_s() * 1e6);
      }
      return;
    }
    if (const auto* done = std::get_if<RequestDone>(&event)) {
      state.metrics.count_tokens(model, done->usage.prompt_tokens, done->usage.completion_tokens);
      writer.note().prompt_tokens = done->usage.prompt_tokens;
      writer.note().completion_tokens = done->usage.completion_tokens;
      if (bill != nullptr) {
        bill->row().tokens = {done->usage.prompt_tokens, done->usage.cached_prompt_tokens,
                              done->usage.completion_tokens};
        bill->row().status = 200;
      }
    } else if (bill != nullptr) {
      bill->row().status = 500;  // the engine failed
    }
    timer.on_end();
    // Committed before the answer's last byte leaves: a client that got its answer is in
    // the ledger even if the server dies right after.
    if (bill != nullptr) (void)bill->settle();
  }

  ServerState& state;
  http::ResponseWriter& writer;
  const std::string& model;
  RequestTimer timer;
  gateway::Admission* bill;
};

http::Headers rate_headers(const gateway::Admission* bill) {
  http::Headers out;
  if (bill != nullptr) {
    for (const auto& h : bill->headers()) out.push_back(h);
  }
  return out;
}

// The engine's failure as the client sees it (internal details go to the log).
ApiError failure_error(const ServerState& s, const http::Request& req, const RequestFailed& failed) {
  const Status status = failed.status.ok() ? internal_error("the engine failed without a reason") : failed.status;
  return public_error(s, req, api_error(status, "", s.params.retry_after_s));
}

void answer_whole(ServerState& s, const http::Request& req, http::ResponseWriter& w, const ResponseMeta& meta,
                  const ServedModel& model, RequestStream& stream, int32_t n, gateway::Admission* bill) {
  ResponseAccumulator acc(n, meta.output);
  Tracker tracker(s, w, model.id, n, bill);
  Clock::time_point last_look = Clock::now();
  for (;;) {
    std::optional<RequestEvent> event = stream.next(kPollInterval);
    // Events may come faster than the poll interval: look at the client by the clock.
    if (!event || Clock::now() - last_look >= kPollInterval) {
      last_look = Clock::now();
      if (w.client_gone()) return stream.cancel();
    }
    if (!event) continue;
    tracker.on_event(*event);
    if (const auto* delta = std::get_if<ChoiceDelta>(&*event)) {
      acc.add(*delta);
    } else if (const auto* done = std::get_if<RequestDone>(&*event)) {
      http::Response r;
      r.headers = rate_headers(bill);
      r.set_header("Content-Type", "application/json");
      r.body = to_wire(response_json(meta, acc.choices(), done->usage, piece_fn(model)));
      return (void)w.send(std::move(r));
    } else {
      http::Response r = error_response(failure_error(s, req, std::get<RequestFailed>(*event)));
      for (const auto& [name, value] : rate_headers(bill)) r.set_header(name, value);
      return (void)w.send(std::move(r));
    }
  }
}

void answer_stream(ServerState& s, const http::Request& req, http::ResponseWriter& w, ResponseMeta meta,
                   const ServedModel& model, RequestStream& stream, int32_t n, bool include_usage,
                   gateway::Admission* bill) {
  SseEncoder encoder(std::move(meta), n, include_usage, piece_fn(model));
  Tracker tracker(s, w, model.id, n, bill);
  http::Headers headers{{"Content-Type", "text/event-stream"},
                        {"Cache-Control", "no-cache"},
                        {"X-Accel-Buffering", "no"}};  // proxies must not hold events back
  for (auto& h : rate_headers(bill)) headers.push_back(std::move(h));
  const bool opened = w.start_stream(200, std::move(headers));
  if (!opened || !w.write(encoder.start())) return stream.cancel();
  Clock::time_point last_write = Clock::now();
  while (!encoder.finished()) {
    std::optional<RequestEvent> event = stream.next(kPollInterval);
    if (!event) {
      if (w.client_gone()) return stream.cancel();
      if (Clock::now() - last_write >= s.params.keep_alive_interval) {
        if (!w.write(kSseKeepAlive)) return stream.cancel();
        last_write = Clock::now();
      }
      continue;
    }
    tracker.on_event(*event);
    const std::string text = std::holds_alternative<RequestFailed>(*event)
                                 ? encoder.fail(failure_error(s, req, std::get<RequestFailed>(*event)))
                                 : encoder.encode(*event);
    if (!w.write(text)) return stream.cancel();
    last_write = Clock::now();
  }
  w.end_stream();
}

// How this chat's output splits: reasoning for templates that think, tool calls when the
// request offers tools (and did not say tool_choice "none"); unset when neither applies.
std::optional<chat::OutputFormat> output_format(const OpenAiRequest& request, const ServedModel& model,
                                                const std::string& prompt_tail) {
  chat::OutputFormat f = chat::detect_output_format(model.chat_template->source());
  const bool tools = !request.tools.tools.is_null() && request.tools.choice.mode != ToolChoice::Mode::kNone;
  if (!tools) f.tools = chat::ToolCallFormat::kNone;
  if (tools && f.tools == chat::ToolCallFormat::kNone) f.tools = chat::ToolCallFormat::kGeneric;
  const ToolChoice::Mode mode = request.tools.choice.mode;
  if (tools && (mode == ToolChoice::Mode::kRequired || mode == ToolChoice::Mode::kNamed)) {
    f.tools = forced_call_format(f.tools);  // what the grammar made it write (tool_call_grammar.h)
  }
  f.starts_in_reasoning = f.reasoning && chat::prompt_opens_reasoning(prompt_tail);
  if (f.tools == chat::ToolCallFormat::kNone && !f.reasoning) return std::nullopt;
  f.call_id_seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  if (tools) f.parameter_types = chat::tool_parameter_types(request.tools.tools);
  return f;
}

// The control tokens among the markers output parsers read: rendered as text so the parser
// sees them (the others are plain text already).
std::vector<int32_t> marker_tokens(const Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (const char* marker : {"<|python_tag|>", "[TOOL_CALLS]", "[ARGS]", "<tool_call>", "</tool_call>", "<think>",
                             "</think>"}) {
    std::optional<int32_t> id = tok.vocab().find(marker);
    if (id && tok.token_to_piece(*id).empty()) ids.push_back(*id);  // a control token: hidden unless asked
  }
  return ids;
}

}  // namespace

void handle_completion(ServerState& state, Endpoint endpoint, const http::Request& req, http::ResponseWriter& w,
                       const gateway::Caller* caller) {
  InFlight in_flight(&state);
  const int retry = state.params.retry_after_s;
  if (state.draining.load()) {
    return send_error(state, req, w, api_error(unavailable("the server is shutting down"), "", retry));
  }
  if (!state.ready.load(std::memory_order_acquire)) {
    return send_error(state, req, w, api_error(unavailable("the model is still loading"), "", retry));
  }
  // The request's model (a preset's params fill its unset fields), then its lease: the
  // model loads now if it is not in memory, and stays loaded while the request lives.
  std::optional<ModelSpec> spec;
  const ModelResolver resolve = [&](const std::string& name) -> std::optional<nlohmann::json> {
    spec = state.pool->find(name);
    if (!spec) return std::nullopt;
    return preset_request_defaults(spec->preset);
  };
  std::string param;
  Result<OpenAiRequest> request = parse_openai_request(req.body, endpoint, state.params.limits, resolve, &param);
  if (!request.ok()) return send_error(state, req, w, api_error(request.status(), param, retry));
  w.note().model = spec->id;
  if (!may_use_model(state.params.gateway, caller, *spec)) {
    return (void)w.send(refusal_response(gateway::Gateway::model_not_allowed(spec->id)));
  }
  if (endpoint == Endpoint::kChatCompletions) {
    request->messages = with_preset_messages(spec->preset, std::move(request->messages));
  }
  AcquireOptions use;
  use.n_sequences = request->n;
  use.keep_alive = request->keep_alive;
  use.cancelled = [&w] { return w.client_gone(); };
  Result<ModelInUse> in_use = use_model(state, spec->id, use);
  if (!in_use.ok()) {
    const bool missing = in_use.status().code() == StatusCode::kNotFound;
    return send_error(state, req, w, api_error(in_use.status(), missing ? "model" : "", retry));
  }
  const ServedModel& model = in_use->served;
  GenerationService& service = in_use->lease.service();
  Result<GenerationRequest> gen = build_generation_request(*request, model, service.n_ctx(), service.n_vocab(), &param);
  if (!gen.ok()) return send_error(state, req, w, api_error(gen.status(), param, retry));
  const int32_t n = gen->n;
  const std::string gen_prompt_tail = prompt_tail(*model.tokenizer, gen->prompt);
  std::optional<chat::OutputFormat> output;
  if (endpoint == Endpoint::kChatCompletions) output = output_format(*request, model, gen_prompt_tail);
  if (output) gen->rendered_control_tokens = marker_tokens(*model.tokenizer);
  // With --auth: the key's limits and budget, its worst case reserved before the request
  // may run; the Admission bills the request whichever way it ends.
  std::optional<gateway::Admission> bill;
  if (state.params.gateway != nullptr && caller != nullptr) {
    std::variant<gateway::Admission, http::Response> admitted =
        admit_request(*state.params.gateway, *caller, req, endpoint, *gen, model.id, service.n_ctx());
    if (auto* refused = std::get_if<http::Response>(&admitted)) return (void)w.send(std::move(*refused));
    bill = std::get<gateway::Admission>(std::move(admitted));
  }
  const int64_t prompt_tokens = static_cast<int64_t>(gen->prompt.size());
  Result<std::shared_ptr<RequestStream>> submitted = service.submit(std::move(gen).value());
  if (!submitted.ok()) return send_error(state, req, w, api_error(submitted.status(), "", retry));
  std::shared_ptr<RequestStream> stream = std::move(submitted).value();
  if (bill) bill->row().tokens.prompt = prompt_tokens;  // billed from here on, even if the client leaves
  ResponseMeta meta;
  meta.endpoint = endpoint;
  meta.id = new_response_id(endpoint);
  meta.created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  meta.model = model.id;
  meta.logprobs = request->top_logprobs >= 0;
  meta.output = output;
  gateway::Admission* billed = bill ? &*bill : nullptr;
  try {
    if (request->stream) {
      answer_stream(state, req, w, std::move(meta), model, *stream, n, request->include_usage, billed);
    } else {
      answer_whole(state, req, w, meta, model, *stream, n, billed);
    }
  } catch (...) {
    stream->cancel();  // the engine must free the request's blocks whatever happened here
    throw;
  }
  // Not settled at the end of the answer: the client left (what ran is billed) or the
  // answer could not be written.
  if (billed != nullptr && billed->pending()) {
    billed->row().status = w.client_gone() ? 499 : 500;
    (void)billed->settle();
  }
}

}  // namespace herd::server
