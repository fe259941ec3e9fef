// Qwen3 (dense): llama with per-head RMSNorm of q and k before RoPE, NEOX RoPE, no biases.
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_qwen3(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  if (hp->n_expert > 0) return corrupt_file("qwen3 has no experts; a mixture-of-experts file is qwen3moe");
  DecoderSpec spec;
  spec.qk_norm = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
