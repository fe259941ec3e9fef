// Gemma 2: gemma plus attention-score and final-logit soft-caps (defaults 50 and 30),
// a sliding window on the even layers (default 4096), and RMSNorms on the attention
// and FFN outputs before each residual add.
#include <cmath>

#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_gemma2(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  hp->ffn_act = FfnActivation::kGeluTanh;
  hp->embd_scale = std::sqrt(static_cast<float>(hp->n_embd));
  if (hp->n_expert > 0) return corrupt_file("gemma2 has no experts");
  HERD_ASSIGN_OR_RETURN(hp->attn_softcap, read_arch_float(file, *hp, "attn_logit_softcapping", 50.0f));
  HERD_ASSIGN_OR_RETURN(hp->final_softcap, read_arch_float(file, *hp, "final_logit_softcapping", 30.0f));
  HERD_ASSIGN_OR_RETURN(hp->n_swa, read_arch_count(file, *hp, "attention.sliding_window", 4096));
  hp->swa_period = 2;
  // Gemma 2 27B (46 layers) scales queries by 1/sqrt(n_embd / n_head), the others by
  // 1/sqrt(head_dim); the file has no key for it, so the layer count decides, as in llama.cpp.
  if (hp->n_layer == 46) hp->attn_scale = 1.0f / std::sqrt(static_cast<float>(hp->n_embd / hp->n_head));
  DecoderSpec spec;
  spec.post_norms = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
