#include "cli/engine_answer.h"

#include <chrono>
#include <variant>

#include "cli/cli_support.h"

namespace herd::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double>(to - from).count(); }

}  // namespace

Result<std::unique_ptr<Engine>> create_terminal_engine(const Model& model, const Tokenizer& tokenizer,
                                                       const GenerationOptions& gen) {
  EngineParams p;
  p.n_parallel = 1;
  p.n_ctx = gen.n_ctx;
  p.n_threads = gen.n_threads;
  p.kv_type_k = gen.kv_type_k;
  p.kv_type_v = gen.kv_type_v;
  return Engine::create(model, tokenizer, p);
}

Result<Answer> generate_answer(GenerationService& engine, std::vector<int32_t> prompt, int32_t n_predict,
                               const SamplingParams& sampling,
                               const std::function<void(std::span<const int32_t>)>& on_tokens,
                               const std::function<bool()>& stop_requested) {
  Answer answer;
  answer.n_prompt = static_cast<int32_t>(prompt.size());
  GenerationRequest req;
  req.prompt = std::move(prompt);
  req.sampling = sampling;
  req.penalize_prompt = true;
  // The engine wants prompt + max_tokens within the context; past it (or unset), it
  // stops when the context is full. With 0 the prompt is still evaluated, and checked.
  const bool prompt_only = n_predict == 0;
  const bool fits = n_predict > 0 && static_cast<int64_t>(answer.n_prompt) + n_predict <= engine.n_ctx();
  req.max_tokens = prompt_only ? 1 : fits ? n_predict : -1;

  const Clock::time_point t0 = Clock::now();
  HERD_ASSIGN_OR_RETURN(std::shared_ptr<RequestStream> stream, engine.submit(std::move(req)));
  Clock::time_point first = t0;
  bool stopping = false;
  for (;;) {
    if (!stopping && stop_requested && stop_requested()) {
      stopping = true;
      stream->cancel();
    }
    std::optional<RequestEvent> event = stream->next(std::chrono::milliseconds(50));
    if (!event) continue;
    if (auto* failed = std::get_if<RequestFailed>(&*event)) return failed->status;
    if (auto* done = std::get_if<RequestDone>(&*event)) {
      answer.n_generated = prompt_only ? 0 : done->usage.completion_tokens;
      break;
    }
    const ChoiceDelta& d = std::get<ChoiceDelta>(*event);
    if (first == t0) first = Clock::now();
    if (!stopping && !prompt_only) {
      answer.tokens.insert(answer.tokens.end(), d.tokens.begin(), d.tokens.end());
      if (!d.tokens.empty() && on_tokens) on_tokens(d.tokens);
    }
    if (d.finish && !prompt_only) {
      const bool full = *d.finish == FinishReason::kLength && !fits;
      answer.stop = stopping || *d.finish == FinishReason::kCancelled ? "cancelled"
                    : full                                           ? "context full"
                                                                     : finish_reason_name(*d.finish);
    }
  }
  const Clock::time_point end = Clock::now();
  answer.prompt_seconds = seconds(t0, first);
  answer.generate_seconds = seconds(first, end);
  return answer;
}

}  // namespace herd::cli
