// Qwen3-MoE: qwen3 attention (q/k norm, NEOX RoPE); every FFN is a mixture of experts,
// weights renormalised over the chosen ones (as Mixtral), no shared expert.
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_qwen3moe(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  hp->expert_weights_norm = true;
  if (hp->n_expert == 0) return corrupt_file("qwen3moe needs qwen3moe.expert_count and expert_used_count");
  HERD_ASSIGN_OR_RETURN(hp->n_ff_exp,
                        read_arch_count(file, *hp, "expert_feed_forward_length", hp->n_ff / hp->n_expert_used));
  DecoderSpec spec;
  spec.qk_norm = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
