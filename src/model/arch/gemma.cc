// Gemma: embeddings × sqrt(n_embd), GELU (tanh form) gated FFN, NEOX RoPE, tied output.
// The norm weights' "+1" is already in the file.
#include <cmath>

#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_gemma(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  hp->ffn_act = FfnActivation::kGeluTanh;
  hp->embd_scale = std::sqrt(static_cast<float>(hp->n_embd));
  if (hp->n_expert > 0) return corrupt_file("gemma has no experts");
  return load_decoder(file, DecoderSpec{}, hp, w);
}

}  // namespace herd
