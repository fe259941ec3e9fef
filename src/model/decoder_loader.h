// Loads the weights of a pre-norm decoder-only transformer, the shape every family
// here shares. The flags say which optional pieces a family has; each tensor is
// bound with its expected shape and type (WeightLoader checks them).
#pragma once

#include "base/status.h"
#include "model/hparams.h"

namespace herd {

class GgufFile;
struct ModelWeights;

struct DecoderSpec {
  bool qkv_bias = false;       // attn_{q,k,v}.bias (qwen2, qwen2moe)
  bool qk_norm = false;        // attn_{q,k}_norm.weight, [head_dim] (qwen3, gemma3)
  bool fused_qkv = false;      // attn_qkv.weight, rows q, k, v (phi3)
  bool fused_gate_up = false;  // ffn_up.weight holds rows gate then up (phi3)
  bool post_norms = false;     // post_attention_norm, post_ffw_norm (gemma2, gemma3)
  bool shared_expert = false;  // ffn_{gate,up,down}_shexp + ffn_gate_inp_shexp (qwen2moe)
};

// Sets hp->n_vocab from token_embd and fills *w. A layer has experts iff hp->n_expert > 0.
Status load_decoder(const GgufFile& file, const DecoderSpec& spec, Hparams* hp, ModelWeights* w);

}  // namespace herd
