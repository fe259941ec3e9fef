#include "model/hparams.h"

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

}  // namespace

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
  if (hp.n_embd % hp.n_head != 0) {
    return corrupt_file("embedding_length " + std::to_string(hp.n_embd) + " is not a multiple of head_count " +
                        std::to_string(hp.n_head));
  }
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.key_length", hp.n_embd / hp.n_head, &hp.head_dim));
  int32_t value_length = 0;
  HERD_RETURN_IF_ERROR(read_count(f, p + "attention.value_length", hp.head_dim, &value_length));
  if (value_length != hp.head_dim) return unsupported("attention.value_length differs from key_length");
  if (hp.n_head % hp.n_head_kv != 0) {
    return corrupt_file("head_count " + std::to_string(hp.n_head) + " is not a multiple of head_count_kv " +
                        std::to_string(hp.n_head_kv));
  }
  HERD_RETURN_IF_ERROR(read_count(f, p + "rope.dimension_count", hp.head_dim, &hp.n_rot));
  if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0) {
    return corrupt_file("rope.dimension_count " + std::to_string(hp.n_rot) + " must be even and at most head_dim " +
                        std::to_string(hp.head_dim));
  }
  HERD_ASSIGN_OR_RETURN(double eps, f.get_float_or(p + "attention.layer_norm_rms_epsilon", 1e-5));
  HERD_ASSIGN_OR_RETURN(hp.rope_freq_base, f.get_float_or(p + "rope.freq_base", 10000.0));
  if (!(eps > 0.0) || !(hp.rope_freq_base > 0.0)) {
    return corrupt_file("rms epsilon and rope.freq_base must be positive");
  }
  hp.rms_eps = static_cast<float>(eps);
  Result<std::string_view> scaling = f.get_string(p + "rope.scaling.type");
  if (scaling.ok() && *scaling != "none") {
    if (*scaling != "linear") return unsupported("rope.scaling.type \"" + std::string(*scaling) + "\"");
    HERD_ASSIGN_OR_RETURN(hp.rope_scale, f.get_float_or(p + "rope.scaling.factor", 1.0));
    if (!(hp.rope_scale > 0.0)) return corrupt_file("rope.scaling.factor must be positive");
  } else if (!scaling.ok() && scaling.status().code() != StatusCode::kNotFound) {
    return scaling.status();
  }
  return hp;
}

}  // namespace herd
