// The engine's outside: creation, submit() with its checks, stats, drain, and the
// loop thread. One step of the loop is in engine_step.cc.
#include "runtime/engine.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "kv/kv_budget.h"
#include "runtime/engine_impl.h"
#include "runtime/kv_plan.h"
#include "tokenizer/utf8.h"

namespace herd {
namespace {

constexpr size_t kMaxStopBytes = 1024;

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    const Utf8Scan c = utf8_scan(s);
    if (c.kind != Utf8Scan::kValid) return false;
    s.remove_prefix(c.length);
  }
  return true;
}

Status check_params(const EngineParams& p) {
  if (p.n_parallel < 1 || p.n_parallel > 1024) return invalid_argument("parallel sequences must be in [1, 1024]");
  if (p.n_ctx < 0) return invalid_argument("context size must not be negative");
  if (p.kv_size < 0) return invalid_argument("kv cache size must not be negative");
  if (p.max_batch_tokens < 1) return invalid_argument("batch size must be positive");
  // A request always waits in the queue for a moment, so 0 would refuse them all.
  if (p.max_queue < 1) return invalid_argument("queue size must be at least 1");
  if (p.max_n < 1 || p.max_top_logprobs < 0 || p.max_request_tokens < 0) return invalid_argument("bad request limits");
  return Status();
}

}  // namespace

Engine::Impl::Choice::Choice(const Tokenizer& t, const GenerationRequest& req, int32_t i, bool at_text_start)
    : index(i),
      sampler([&] {
        SamplingParams s = req.sampling;
        s.seed += static_cast<uint64_t>(i);  // every choice draws its own numbers
        return s;
      }()),
      decoder(t, /*render_special=*/false, at_text_start),
      stop(req.stop) {
  if (req.grammar) matcher.emplace(req.grammar);
  if (!req.rendered_control_tokens.empty()) decoder.render_also(req.rendered_control_tokens);
  if (req.penalize_prompt) {
    for (int32_t token : req.prompt) sampler.accept(token);
  }
}

Engine::Impl::Impl(const Model& m, const Tokenizer& t, const EngineParams& p, std::unique_ptr<Context> c,
                   int32_t ctx_len)
    : model(m),
      tok(t),
      params(p),
      n_ctx(ctx_len),
      ctx(std::move(c)),
      sched([&] {
        SchedulerParams s;
        s.block_size = p.kv_block_size;
        s.n_blocks = ctx->kv().n_blocks();
        s.max_batch_tokens = p.max_batch_tokens;
        s.max_running = p.n_parallel;
        return s;
      }()) {}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Engine>> Engine::create(const Model& model, const Tokenizer& tokenizer,
                                               const EngineParams& params) {
  HERD_RETURN_IF_ERROR(check_params(params));
  const int32_t bs = params.kv_block_size;
  if (bs <= 0 || (bs & (bs - 1)) != 0 || bs > 1024) return invalid_argument("kv block size must be a power of two up to 1024");
  HERD_ASSIGN_OR_RETURN(const KvPlan plan, plan_kv(model, params, available_memory_bytes()));
  const int32_t n_ctx = plan.n_ctx;
  ContextParams cp;
  cp.n_ctx = n_ctx;
  cp.n_batch = params.max_batch_tokens;
  cp.n_threads = params.n_threads;
  cp.kv_blocks = plan.n_blocks;
  cp.kv_block_size = bs;
  cp.kv_type_k = params.kv_type_k;
  cp.kv_type_v = params.kv_type_v;
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<Context> ctx, Context::create(model, cp));
  auto impl = std::make_unique<Impl>(model, tokenizer, params, std::move(ctx), n_ctx);
  Impl* raw = impl.get();
  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  raw->publish_stats();
  raw->thread = std::thread([raw] { raw->run(); });
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::shared_ptr<RequestStream>> Engine::submit(GenerationRequest req) {
  Impl& im = *impl_;
  const int32_t n_prompt = static_cast<int32_t>(req.prompt.size());
  if (n_prompt == 0) return invalid_argument("the prompt is empty");
  for (int32_t t : req.prompt) {
    if (t < 0 || t >= im.model.hparams().n_vocab) {
      return invalid_argument("token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                              std::to_string(im.model.hparams().n_vocab) + ")");
    }
  }
  if (n_prompt >= im.n_ctx) {
    return invalid_argument("the prompt has " + std::to_string(n_prompt) + " tokens; this model's context holds " +
                            std::to_string(im.n_ctx) + ", and at least one must be left to generate");
  }
  if (req.max_tokens == 0) return invalid_argument("max_tokens must be at least 1");
  if (req.max_tokens > 0 && static_cast<int64_t>(n_prompt) + req.max_tokens > im.n_ctx) {
    return invalid_argument("this model's maximum context length is " + std::to_string(im.n_ctx) +
                            " tokens; you asked for " + std::to_string(n_prompt + static_cast<int64_t>(req.max_tokens)) +
                            " (" + std::to_string(n_prompt) + " in the prompt, " + std::to_string(req.max_tokens) +
                            " to generate)");
  }
  if (req.n < 1 || req.n > im.params.max_n) {
    return invalid_argument("n must be in [1, " + std::to_string(im.params.max_n) + "]");
  }
  if (req.n > im.params.max_queue) {
    return invalid_argument("n = " + std::to_string(req.n) + " choices cannot wait in a queue of " +
                            std::to_string(im.params.max_queue) + " sequences");
  }
  // Every choice may run to the end of the context when max_tokens is unset.
  const int64_t per_choice = req.max_tokens > 0 ? n_prompt + static_cast<int64_t>(req.max_tokens) : im.n_ctx;
  const int64_t work = per_choice * req.n;
  const int64_t max_work = im.params.max_request_tokens > 0 ? im.params.max_request_tokens
                                                            : static_cast<int64_t>(im.params.n_parallel) * im.n_ctx;
  if (work > max_work) {
    return invalid_argument("this request asks for up to " + std::to_string(work) +
                            " tokens (n x (prompt + max_tokens)); the limit per request is " + std::to_string(max_work) +
                            ": lower n or max_tokens");
  }
  if (req.top_logprobs > im.params.max_top_logprobs) {
    return invalid_argument("top_logprobs must be at most " + std::to_string(im.params.max_top_logprobs));
  }
  for (const std::string& stop : req.stop) {
    // Matched bytewise: a stop string of broken UTF-8 could cut a character in half.
    if (!is_valid_utf8(stop)) return invalid_argument("a stop string is not valid UTF-8");
    // Every new token re-checks the held tail against every stop string: keep them short.
    if (stop.size() > kMaxStopBytes) {
      return invalid_argument("a stop string is longer than " + std::to_string(kMaxStopBytes) + " bytes");
    }
  }
  HERD_RETURN_IF_ERROR(validate(req.sampling));

  auto a = std::make_unique<Impl::Active>();
  a->stream = std::make_shared<RequestStream>();
  a->req = std::move(req);
  std::shared_ptr<RequestStream> stream = a->stream;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    if (im.draining || im.stopping) return unavailable("the server is shutting down");
    // A request of n choices takes n places: they all wait for a slot of --parallel.
    if (im.n_incoming_seqs + im.stats.n_waiting + a->req.n > im.params.max_queue) {
      return resource_exhausted("the queue is full (" + std::to_string(im.params.max_queue) + " waiting sequences)");
    }
    im.n_incoming_seqs += a->req.n;
    im.incoming.push_back(std::move(a));
    ++im.n_in_flight;
  }
  im.wake.notify_one();
  return stream;
}

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  EngineStats s = impl_->stats;
  s.n_waiting += impl_->n_incoming_seqs;
  return s;
}

int32_t Engine::n_ctx() const { return impl_->n_ctx; }
int32_t Engine::n_vocab() const { return impl_->model.hparams().n_vocab; }
int Engine::n_threads() const { return impl_->ctx->n_threads(); }  // fixed at creation

void Engine::drain() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->draining = true;
  impl_->idle.wait(lock, [this] { return impl_->n_in_flight == 0; });
}

void Engine::Impl::run() {
  for (;;) {
    std::vector<std::unique_ptr<Active>> arrived;
    {
      std::unique_lock<std::mutex> lock(mu);
      wake.wait(lock, [this] { return stopping || !incoming.empty() || !active.empty(); });
      if (stopping) break;
      // They stay in the queue depth until publish_stats() counts them in the scheduler;
      // otherwise submit() would see a short queue meanwhile and let too many in.
      stats.n_waiting += n_incoming_seqs;
      n_incoming_seqs = 0;
      while (!incoming.empty()) {
        arrived.push_back(std::move(incoming.front()));
        incoming.pop_front();
      }
    }
    for (auto& a : arrived) admit(std::move(a));
    // The exception barrier: throws pinned on a request or a batch are caught inside
    // (engine_step.cc); whatever else throws fails what is in flight, not the process.
    try {
      cancel_cancelled();
      step();
    } catch (const std::exception& e) {
      fail_all(caught("engine step", &e));
    } catch (...) {
      fail_all(caught("engine step", nullptr));
    }
    end_finished_requests();
    publish_stats();  // before the events go out, so a client that is done sees its blocks freed
    deliver();
  }
  // Shutting down: whatever is left ends now.
  fail_all(unavailable("the engine stopped"));
  publish_stats();
  deliver();
  std::lock_guard<std::mutex> lock(mu);
  for (auto& a : incoming) a->stream->push(RequestFailed{unavailable("the engine stopped")});
  incoming.clear();
  n_in_flight = 0;
  idle.notify_all();
}

}  // namespace herd
