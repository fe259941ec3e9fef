#include "model/hparams.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gguf/gguf_file.h"

namespace herd {
namespace {

Status read_count(const GgufFile& f, const std::string& key, int64_t fallback, int32_t* out) {
  Result<int64_t> v = fallback < 0 ? f.get_int(key) : f.get_int_or(key, fallback);
  if (!v.ok()) return v.status();
  if (*v <= 0 || *v > std::numeric_limits<int32_t>::max()) {
    return corrupt_file("metadata " + key + " = " + std::to_string(*v) + " is not a positive 32-bit count");
  }
  *out = static_cast<int32_t>(*v);
  return Status();
}

// Rope scaling: linear (positions divided by the factor) and phi3's long-rope.
Status read_rope_scaling(const GgufFile& f, const std::string& p, Hparams* hp) {
  Result<std::string_view> scaling = f.get_string(p + "rope.scaling.type");
  if (!scaling.ok()) {
    if (scaling.status().code() != StatusCode::kNotFound) return scaling.status();
    return Status();
  }
  if (*scaling == "none") return Status();
  if (*scaling == "linear") {
    HERD_ASSIGN_OR_RETURN(hp->rope_scale, f.get_float_or(p + "rope.scaling.factor", 1.0));
    if (!(hp->rope_scale > 0.0) || !std::isfinite(hp->rope_scale)) {
      return corrupt_file("rope.scaling.factor must be positive");
    }
    return Status();
  }
  if (*scaling == "longrope") {
    hp->rope_longrope = true;
    return Status();
  }
  return unsupported("rope.scaling.type \"" + std::string(*scaling) + "\"");
}

}  // namespace

float Hparams::query_scale() const {
  return attn_scale > 0.0f ? attn_scale : 1.0f / std::sqrt(static_cast<float>(head_dim));
}

Result<float> read_arch_float(const GgufFile& f, const Hparams& hp, const std::string& key, float fallback) {
  const std::string full = hp.arch + "." + key;
  HERD_ASSIGN_OR_RETURN(double v, f.get_float_or(full, fallback));
  if (!(v >= 0.0) || !std::isfinite(v) || v > std::numeric_limits<float>::max()) {
    return corrupt_file("metadata " + full + " = " + std::to_string(v) + " must be a finite non-negative number");
  }
  return static_cast<float>(v);
}

Result<int32_t> read_arch_count(const GgufFile& f, const Hparams& hp, const std::string& key, int32_t fallback) {
  const std::string full = hp.arch + "." + key;
  if (f.find(full) == nullptr) return fallback;
  int32_t v = 0;
  HERD_RETURN_IF_ERROR(read_count(f, full, -1, &v));
  return v;
}

Result<Hparams> read_hparams(const GgufFile& f, const std::string& arch) {
  Hparams hp;
  hp.arch = arch;
  const std::string p = arch + ".";
  HERD_RETURN_IF_ERROR(read_count(f, p + "embedding_length", -1, &hp.n_embd));
  HERD_RETURN_IF_ERROR(read_count(f, p + "block_count", -1, &hp.n_layer));
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.head_count", -1, &hp.n_head));
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.head_count_kv", hp.n_head, &hp.n_head_kv));
  HERD_RETURN_IF_ERROR(read_count(f, p + "feed_forward_length", -1, &hp.n_ff));
  HERD_RETURN_IF_ERROR(read_count(f, p + "context_length", 2048, &hp.n_ctx_train));
  if (hp.n_embd % hp.n_head != 0 && f.find(p + "attention.key_length") == nullptr) {
    return corrupt_file("embedding_length " + std::to_string(hp.n_embd) + " is not a multiple of head_count " +
                        std::to_string(hp.n_head));
  }
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.key_length", hp.n_embd / std::max(hp.n_head, 1), &hp.head_dim));
  int32_t value_length = 0;
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.value_length", hp.head_dim, &value_length));
  if (value_length != hp.head_dim) return unsupported("attention.value_length differs from key_length");
  if (hp.n_head % hp.n_head_kv != 0) {
    return corrupt_file("head_count " + std::to_string(hp.n_head) + " is not a multiple of head_count_kv " +
                        std::to_string(hp.n_head_kv));
  }
  if (static_cast<int64_t>(hp.n_head) * hp.head_dim > std::numeric_limits<int32_t>::max()) {
    return corrupt_file("head_count × key_length overflows");
  }
  HERD_RETURN_IF_ERROR(read_count(f, p + "rope.dimension_count", hp.head_dim, &hp.n_rot));
  if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0) {
    return corrupt_file("rope.dimension_count " + std::to_string(hp.n_rot) + " must be even and at most head_dim " +
                        std::to_string(hp.head_dim));
  }
  HERD_ASSIGN_OR_RETURN(double eps, f.get_float_or(p + "attention.layer_norm_rms_epsilon", 1e-5));
  HERD_ASSIGN_OR_RETURN(hp.rope_freq_base, f.get_float_or(p + "rope.freq_base", 10000.0));
  if (!(eps > 0.0) || !(hp.rope_freq_base > 0.0) || !std::isfinite(hp.rope_freq_base)) {
    return corrupt_file("rms epsilon and rope.freq_base must be positive");
  }
  hp.rms_eps = static_cast<float>(eps);
  HERD_RETURN_IF_ERROR(read_rope_scaling(f, p, &hp));
  // phi3 files carry long-rope factors without a rope.scaling.type key.
  if (f.find_tensor("rope_factors_long.weight") != nullptr) hp.rope_longrope = true;
  if (hp.rope_longrope) {
    HERD_ASSIGN_OR_RETURN(hp.rope_n_ctx_orig,
                          read_arch_count(f, hp, "rope.scaling.original_context_length", hp.n_ctx_train));
    // Without the key: the factor the converters compute from the context lengths.
    float attn_factor = 1.0f;
    if (hp.n_ctx_train > hp.rope_n_ctx_orig) {
      const double s = static_cast<double>(hp.n_ctx_train) / hp.rope_n_ctx_orig;
      attn_factor = static_cast<float>(std::sqrt(1.0 + std::log(s) / std::log(static_cast<double>(hp.rope_n_ctx_orig))));
    }
    HERD_ASSIGN_OR_RETURN(hp.rope_attn_factor, read_arch_float(f, hp, "rope.scaling.attn_factor", attn_factor));
  }
  hp.rope_swa = hp.rope_global();

  // Sliding window and soft-caps are read by the families that use them (a llama file
  // with a sliding_window key still attends globally, as in llama.cpp).

  // Experts: both counts or neither.
  HERD_ASSIGN_OR_RETURN(hp.n_expert, read_arch_count(f, hp, "expert_count", 0));
  HERD_ASSIGN_OR_RETURN(hp.n_expert_used, read_arch_count(f, hp, "expert_used_count", 0));
  if ((hp.n_expert == 0) != (hp.n_expert_used == 0) || hp.n_expert_used > hp.n_expert) {
    return corrupt_file("expert_used_count " + std::to_string(hp.n_expert_used) + " must be in [1, expert_count " +
                        std::to_string(hp.n_expert) + "]");
  }
  HERD_ASSIGN_OR_RETURN(hp.n_ff_exp, read_arch_count(f, hp, "expert_feed_forward_length", hp.n_ff));
  HERD_ASSIGN_OR_RETURN(hp.n_ff_shexp, read_arch_count(f, hp, "expert_shared_feed_forward_length", hp.n_ff));
  return hp;
}

}  // namespace herd
