// Qwen2-MoE (Qwen1.5-MoE): qwen2 attention; every FFN is a mixture of experts whose
// chosen weights are NOT renormalised, plus a shared expert scaled by
// sigmoid(ffn_gate_inp_shexp · x).
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_qwen2moe(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  hp->expert_weights_norm = false;
  if (hp->n_expert == 0) return corrupt_file("qwen2moe needs qwen2moe.expert_count and expert_used_count");
  // As llama.cpp: without the key an expert is n_ff / n_expert_used wide.
  HERD_ASSIGN_OR_RETURN(hp->n_ff_exp,
                        read_arch_count(file, *hp, "expert_feed_forward_length", hp->n_ff / hp->n_expert_used));
  DecoderSpec spec;
  spec.qkv_bias = true;
  spec.shared_expert = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
