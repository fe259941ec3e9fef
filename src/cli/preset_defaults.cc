#include "cli/preset_defaults.h"

#include <CLI/CLI.hpp>

#include "sampling/sampling_params.h"

namespace herd::cli {
namespace {

bool given(const CLI::App& cmd, const char* option) {
  const CLI::Option* opt = cmd.get_option_no_throw(option);
  return opt != nullptr && opt->count() > 0;
}

template <typename T>
Status take(const nlohmann::json& params, const char* key, const CLI::App& cmd, const char* option, T* out) {
  const auto it = params.find(key);
  if (it == params.end() || given(cmd, option)) return Status();
  if (!it->is_number()) return invalid_argument(std::string("the preset's ") + key + " is not a number");
  *out = it->get<T>();
  return Status();
}

}  // namespace

Status apply_preset_defaults(const nlohmann::json& params, const CLI::App& cmd, GenerationOptions* gen,
                             SamplingParams* sampling) {
  if (!params.is_object()) return Status();
  HERD_RETURN_IF_ERROR(take(params, "temperature", cmd, "--temp", &sampling->temperature));
  HERD_RETURN_IF_ERROR(take(params, "top_k", cmd, "--top-k", &sampling->top_k));
  HERD_RETURN_IF_ERROR(take(params, "top_p", cmd, "--top-p", &sampling->top_p));
  HERD_RETURN_IF_ERROR(take(params, "min_p", cmd, "--min-p", &sampling->min_p));
  HERD_RETURN_IF_ERROR(take(params, "repeat_penalty", cmd, "--repeat-penalty", &sampling->repeat_penalty));
  HERD_RETURN_IF_ERROR(take(params, "repeat_last_n", cmd, "--repeat-last-n", &sampling->repeat_last_n));
  HERD_RETURN_IF_ERROR(take(params, "frequency_penalty", cmd, "--frequency-penalty", &sampling->frequency_penalty));
  HERD_RETURN_IF_ERROR(take(params, "presence_penalty", cmd, "--presence-penalty", &sampling->presence_penalty));
  HERD_RETURN_IF_ERROR(take(params, "num_ctx", cmd, "--ctx-size", &gen->n_ctx));
  HERD_RETURN_IF_ERROR(take(params, "num_predict", cmd, "--n-predict", &gen->n_predict));
  if (params.contains("seed") && !given(cmd, "--seed")) {
    HERD_RETURN_IF_ERROR(take(params, "seed", cmd, "--seed", &sampling->seed));
    gen->seed_given = true;
  }
  return Status();
}

}  // namespace herd::cli
