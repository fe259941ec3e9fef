// Hyperparameters of a decoder-only transformer, read from GGUF metadata.
// read_hparams() reads the keys every family shares; each architecture file then
// sets the flags that make its family differ (rope style, activation, soft-caps, …).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "kernels/ops_ref.h"

namespace herd {

class GgufFile;

enum class FfnActivation {
  kSilu,      // llama, qwen, phi3: silu(gate) * up
  kGeluTanh,  // gemma: gelu_tanh(gate) * up
};

// The rope of one kind of layer: angle_i = pos / scale * base^(-2i/n_rot) / factor_i,
// and cos/sin multiplied by mscale (phi3 long-rope attention factor).
struct RopeParams {
  double freq_base = 10000.0;
  double scale = 1.0;   // linear scaling factor (positions divided by it)
  float mscale = 1.0f;  // magnitude of cos/sin
};

struct Hparams {
  std::string arch;  // general.architecture: "llama", ...
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;  // attention.key_length, default n_embd / n_head
  int32_t n_ff = 0;
  int32_t n_rot = 0;     // rope.dimension_count, default head_dim
  float rms_eps = 1e-5f;
  double rope_freq_base = 10000.0;
  double rope_scale = 1.0;  // linear rope scaling factor (positions divided by it)
  RopeStyle rope_style = RopeStyle::kAdjacentPairs;

  // Long-rope (phi3): factors rope_factors_long replace rope_factors_short when the
  // context is longer than rope_n_ctx_orig; cos/sin are multiplied by rope_attn_factor.
  bool rope_longrope = false;
  int32_t rope_n_ctx_orig = 0;     // rope.scaling.original_context_length
  float rope_attn_factor = 1.0f;   // rope.scaling.attn_factor

  // Attention.
  float attn_scale = 0.0f;       // query scale; 0: 1/sqrt(head_dim)
  float attn_softcap = 0.0f;     // score = cap * tanh(score / cap); 0: off
  float final_softcap = 0.0f;    // logits = cap * tanh(logits / cap); 0: off
  int32_t n_swa = 0;             // sliding window (keys seen, incl. own position); 0: off
  // Which layers slide when n_swa > 0: every layer if 0, else layer il iff
  // il % swa_period < swa_period - 1 (gemma2: 2 → even layers; gemma3: 6 → 5 of 6).
  int32_t swa_period = 0;
  RopeParams rope_swa;           // rope of sliding layers (gemma3 differs from the global one)

  // Embeddings and FFN.
  float embd_scale = 1.0f;  // token embeddings are multiplied by it (gemma: sqrt(n_embd))
  FfnActivation ffn_act = FfnActivation::kSilu;

  // Mixture of experts (n_expert == 0: dense FFN).
  int32_t n_expert = 0;
  int32_t n_expert_used = 0;
  int32_t n_ff_exp = 0;     // expert_feed_forward_length
  int32_t n_ff_shexp = 0;   // expert_shared_feed_forward_length
  bool expert_weights_norm = true;  // renormalise the chosen experts' weights to sum 1

  int32_t n_embd_q() const { return n_head * head_dim; }
  int32_t n_embd_kv() const { return n_head_kv * head_dim; }
  bool is_swa_layer(int32_t il) const {
    return n_swa > 0 && (swa_period <= 0 || il % swa_period < swa_period - 1);
  }
  RopeParams rope_global() const { return {rope_freq_base, rope_scale, rope_attn_factor}; }
  RopeParams layer_rope(int32_t il) const { return is_swa_layer(il) ? rope_swa : rope_global(); }
  float query_scale() const;
};

// Reads the "<arch>.*" keys all families share; checks that the values are positive
// and consistent. rope_swa starts equal to the global rope; the sliding window and
// soft-caps stay off (the families that have them read their keys).
Result<Hparams> read_hparams(const GgufFile& file, const std::string& arch);

// An optional non-negative float "<arch>.<key>", `fallback` when absent.
Result<float> read_arch_float(const GgufFile& file, const Hparams& hp, const std::string& key, float fallback);
// An optional positive count "<arch>.<key>", `fallback` when absent.
Result<int32_t> read_arch_count(const GgufFile& file, const Hparams& hp, const std::string& key, int32_t fallback);

}  // namespace herd
