// Phi-3: fused attn_qkv (rows q, k, v) and fused ffn_up (rows gate, up), SwiGLU, NEOX
// RoPE, a sliding window on every layer (attention.sliding_window), and for the
// long-context files long-rope: rope_factors_long / rope_factors_short divide the
// frequencies (long when the context exceeds rope.scaling.original_context_length) and
// cos/sin are scaled by rope.scaling.attn_factor.
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_phi3(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  if (hp->n_expert > 0) return unsupported("phi3 with experts (PhiMoE) is not supported");
  HERD_ASSIGN_OR_RETURN(hp->n_swa, read_arch_count(file, *hp, "attention.sliding_window", 0));
  hp->swa_period = 0;  // every layer slides when the window is set
  DecoderSpec spec;
  spec.fused_qkv = true;
  spec.fused_gate_up = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
