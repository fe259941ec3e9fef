// Gemma 3 (text): gemma 2's post-norms, per-head q/k RMSNorm, no soft-caps. Layers
// alternate five sliding-window layers (rope base 10000, no scaling) and one global
// layer (rope.freq_base and rope.scaling); the window rule is the same as gemma2's.
#include <cmath>

#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_gemma3(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  hp->ffn_act = FfnActivation::kGeluTanh;
  hp->embd_scale = std::sqrt(static_cast<float>(hp->n_embd));
  if (hp->n_expert > 0) return corrupt_file("gemma3 has no experts");
  // No attention soft-cap; the final one applies only if the file has the key.
  HERD_ASSIGN_OR_RETURN(hp->final_softcap, read_arch_float(file, *hp, "final_logit_softcapping", 0.0f));
  HERD_ASSIGN_OR_RETURN(hp->n_swa, read_arch_count(file, *hp, "attention.sliding_window", 4096));
  HERD_ASSIGN_OR_RETURN(hp->swa_period, read_arch_count(file, *hp, "attention.sliding_window_pattern", 6));
  HERD_ASSIGN_OR_RETURN(float base_swa, read_arch_float(file, *hp, "rope.freq_base_swa", 10000.0f));
  if (!(base_swa > 0.0f)) return corrupt_file("gemma3.rope.freq_base_swa must be positive");
  hp->rope_swa = RopeParams{base_swa, 1.0, 1.0f};
  // Gemma 3 27B (62 layers) scales queries by 1/sqrt(n_embd / n_head).
  if (hp->n_layer == 62) hp->attn_scale = 1.0f / std::sqrt(static_cast<float>(hp->n_embd / hp->n_head));
  DecoderSpec spec;
  spec.qk_norm = true;
  spec.post_norms = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
