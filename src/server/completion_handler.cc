// The two completion endpoints: parse, build the prompt, submit to the engine, then
// either collect the whole answer (JSON) or stream it (SSE) as the events arrive.
#include <httplib.h>

#include <chrono>
#include <memory>
#include <utility>

#include "server/openai_response.h"
#include "server/prompt_builder.h"
#include "server/server_state.h"
#include "server/sse.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {
namespace {

using Clock = std::chrono::steady_clock;

// How long one wait for an event lasts before the handler looks around again.
constexpr std::chrono::milliseconds kPollInterval{100};
// How often a JSON answer in the making checks that its client is still there.
constexpr std::chrono::milliseconds kProbeInterval{250};

TokenPiece piece_fn(const ServedModel& model) {
  const Tokenizer* tok = model.tokenizer;
  return [tok](int32_t id) { return tok->token_to_piece(id); };
}

void on_event_metrics(ServerState& state, RequestTimer& timer, const RequestEvent& event) {
  if (const auto* delta = std::get_if<ChoiceDelta>(&event)) {
    timer.on_delta(delta->index, delta->tokens.size());
  } else if (const auto* done = std::get_if<RequestDone>(&event)) {
    state.metrics.count_tokens(done->usage.prompt_tokens, done->usage.completion_tokens);
    timer.on_end();
  } else {
    timer.on_end();
  }
}

// The state of one JSON (non-streaming) response. It is sent through a chunked
// content provider too, only so that the handler can see a client that goes away
// while the answer is computed and cancel it: httplib 0.11 shows the socket only to
// providers, and a closed peer shows only as a failed write, so a space (whitespace
// before a JSON value is insignificant) goes out every kProbeInterval. The status is 200
// from the start: an engine failure after submission (a bug, never a bad request)
// still ends with an OpenAI error object as the body.
struct WholeJob {
  WholeJob(ServerState* s, std::unique_ptr<InFlight> g, ResponseMeta m, int32_t n, std::shared_ptr<RequestStream> st)
      : state(s), guard(std::move(g)), stream(std::move(st)), meta(std::move(m)), acc(n), timer(&s->metrics, n) {}

  ~WholeJob() {
    if (!finished) stream->cancel();
  }

  bool step(httplib::DataSink& sink) {
    for (;;) {
      if (Clock::now() - last_write >= kProbeInterval) {
        last_write = Clock::now();
        if (!sink.write(" ", 1)) return abandon();
      }
      std::optional<RequestEvent> event = stream->next(kPollInterval);
      if (!event) {
        if (!sink.is_writable()) return abandon();
        continue;
      }
      on_event_metrics(*state, timer, *event);
      if (const auto* delta = std::get_if<ChoiceDelta>(&*event)) {
        acc.add(*delta);
        continue;
      }
      std::string body;
      if (const auto* done = std::get_if<RequestDone>(&*event)) {
        body = to_wire(response_json(meta, acc.choices(), done->usage, piece_fn(*state->model)));
      } else {
        const Status& failed = std::get<RequestFailed>(*event).status;
        httplib::Response err;
        set_error(err, api_error(failed.ok() ? internal_error("the engine failed without a reason") : failed, "",
                                 state->params.retry_after_s));
        body = err.body;
      }
      finished = true;
      if (!sink.write(body.data(), body.size())) return false;
      sink.done();
      return true;
    }
  }

  bool abandon() {
    stream->cancel();
    return false;
  }

  ServerState* state;
  std::unique_ptr<InFlight> guard;  // until the last byte: drain() waits for it
  std::shared_ptr<RequestStream> stream;
  ResponseMeta meta;
  ResponseAccumulator acc;
  RequestTimer timer;
  bool finished = false;
  Clock::time_point last_write = Clock::now();
};

void answer_whole(ServerState& state, std::unique_ptr<InFlight> guard, ResponseMeta meta,
                  std::shared_ptr<RequestStream> stream, int32_t n, httplib::Response& res) {
  auto job = std::make_shared<WholeJob>(&state, std::move(guard), std::move(meta), n, std::move(stream));
  res.status = 200;
  res.set_chunked_content_provider("application/json",
                                   [job](size_t, httplib::DataSink& sink) { return job->step(sink); });
}

// The state of one SSE response, owned by httplib's content provider.
struct StreamJob {
  StreamJob(ServerState* s, std::unique_ptr<InFlight> g, ResponseMeta meta, int32_t n, bool include_usage,
            std::shared_ptr<RequestStream> st)
      : state(s),
        guard(std::move(g)),
        stream(std::move(st)),
        encoder(std::move(meta), n, include_usage, piece_fn(*s->model)),
        timer(&s->metrics, n) {}

  ~StreamJob() {
    // The response ended early (client gone, write failed, server stopping): let the
    // engine free the request's blocks.
    if (!encoder.finished()) stream->cancel();
  }

  // One call of the content provider: writes what is ready; false ends the response.
  bool step(httplib::DataSink& sink) {
    if (!started) {
      started = true;
      const std::string head = encoder.start();
      if (!head.empty() && !sink.write(head.data(), head.size())) return abandon();
    }
    const Clock::time_point wait_start = Clock::now();
    for (;;) {
      std::optional<RequestEvent> event = stream->next(kPollInterval);
      if (event) {
        on_event_metrics(*state, timer, *event);
        const std::string text = encoder.encode(*event);
        if (!text.empty() && !sink.write(text.data(), text.size())) return abandon();
        if (encoder.finished()) sink.done();
        return true;
      }
      if (!sink.is_writable()) return abandon();
      if (Clock::now() - wait_start >= state->params.keep_alive_interval) {
        if (!sink.write(kSseKeepAlive.data(), kSseKeepAlive.size())) return abandon();
        return true;
      }
    }
  }

  bool abandon() {
    stream->cancel();
    return false;
  }

  ServerState* state;
  std::unique_ptr<InFlight> guard;  // until the last byte: drain() waits for it
  std::shared_ptr<RequestStream> stream;
  SseEncoder encoder;
  RequestTimer timer;
  bool started = false;
};

void answer_stream(ServerState& state, std::unique_ptr<InFlight> guard, ResponseMeta meta,
                   std::shared_ptr<RequestStream> stream, int32_t n, bool include_usage, httplib::Response& res) {
  auto job = std::make_shared<StreamJob>(&state, std::move(guard), std::move(meta), n, include_usage,
                                         std::move(stream));
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // proxies must not hold events back
  // The job (and its in-flight guard) lives as long as httplib keeps the provider.
  res.set_chunked_content_provider("text/event-stream",
                                   [job](size_t, httplib::DataSink& sink) { return job->step(sink); });
}

}  // namespace

void handle_completion(ServerState& state, Endpoint endpoint, const std::string& body, httplib::Response& res) {
  // Held while the request is answered; a stream takes it along to its last byte.
  auto guard = std::make_unique<InFlight>(&state);

  if (state.draining.load()) {
    set_error(res, api_error(unavailable("the server is shutting down"), "", state.params.retry_after_s));
    return;
  }
  if (!state.ready.load(std::memory_order_acquire)) {
    set_error(res, api_error(unavailable("the model is still loading"), "", state.params.retry_after_s));
    return;
  }
  const ServedModel& model = *state.model;
  std::string param;
  Result<OpenAiRequest> request = parse_openai_request(body, endpoint, state.params.limits, model.names, &param);
  if (!request.ok()) {
    set_error(res, api_error(request.status(), param, state.params.retry_after_s));
    return;
  }
  Result<GenerationRequest> gen =
      build_generation_request(*request, model, state.service->n_ctx(), state.service->n_vocab(), &param);
  if (!gen.ok()) {
    set_error(res, api_error(gen.status(), param, state.params.retry_after_s));
    return;
  }
  const int32_t n = gen->n;
  Result<std::shared_ptr<RequestStream>> stream = state.service->submit(std::move(gen).value());
  if (!stream.ok()) {
    set_error(res, api_error(stream.status(), "", state.params.retry_after_s));
    return;
  }
  ResponseMeta meta;
  meta.endpoint = endpoint;
  meta.id = new_response_id(endpoint);
  meta.created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  meta.model = model.id;
  meta.logprobs = request->top_logprobs >= 0;
  if (request->stream) {
    answer_stream(state, std::move(guard), std::move(meta), std::move(stream).value(), n, request->include_usage, res);
  } else {
    answer_whole(state, std::move(guard), std::move(meta), std::move(stream).value(), n, res);
  }
}

}  // namespace herd::server
