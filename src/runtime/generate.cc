#include "runtime/generate.h"

#include <chrono>

#include "sampling/sampler.h"

namespace herd {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kLength: return "length";
    case StopReason::kEndOfGeneration: return "stop";
    case StopReason::kContextFull: return "context full";
    case StopReason::kCallback: return "cancelled";
  }
  return "unknown";
}

Result<GenerateStats> generate(Context& ctx, std::span<const int32_t> prompt, const GenerateParams& params,
                               const std::function<bool(int32_t)>& on_token) {
  HERD_RETURN_IF_ERROR(validate(params.sampling));
  if (prompt.empty()) return invalid_argument("the prompt is empty: give at least one token");
  GenerateStats stats;
  stats.n_prompt = static_cast<int32_t>(prompt.size());
  Sampler sampler(params.sampling);
  for (int32_t t : prompt) sampler.accept(t);

  auto start = std::chrono::steady_clock::now();
  HERD_RETURN_IF_ERROR(ctx.eval(prompt, /*all_logits=*/false));
  stats.prompt_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  for (;;) {
    if (params.n_predict >= 0 && stats.n_generated >= params.n_predict) {
      stats.stop = StopReason::kLength;
      break;
    }
    const int32_t token = sampler.sample(ctx.last_logits());
    sampler.accept(token);
    ++stats.n_generated;
    const bool end = token == params.eos_id || (params.is_eog && params.is_eog(token));
    if (!on_token(token)) {
      stats.stop = StopReason::kCallback;
      break;
    }
    if (end) {
      stats.stop = StopReason::kEndOfGeneration;
      break;
    }
    if (params.n_predict >= 0 && stats.n_generated >= params.n_predict) {
      stats.stop = StopReason::kLength;
      break;
    }
    if (ctx.n_past() >= ctx.n_ctx()) {
      stats.stop = StopReason::kContextFull;
      break;
    }
    const int32_t one[1] = {token};
    HERD_RETURN_IF_ERROR(ctx.eval(one, /*all_logits=*/false));
  }
  stats.generate_seconds = seconds_since(start);
  return stats;
}

}  // namespace herd
