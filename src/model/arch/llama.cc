// Llama (Llama-2/3, Mistral, Mixtral): RMSNorm, RoPE on adjacent pairs, grouped-query
// attention, SwiGLU FFN, optional tied output. With <arch>.expert_count the FFN is a
// Mixtral mixture of experts: softmax over the router logits, top-k, weights
// renormalised over the chosen experts.
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_llama(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kAdjacentPairs;
  hp->expert_weights_norm = true;
  return load_decoder(file, DecoderSpec{}, hp, w);
}

}  // namespace herd
