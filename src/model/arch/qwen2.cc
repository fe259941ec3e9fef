// Qwen2 (and Qwen2.5): llama with q/k/v biases and NEOX RoPE.
#include "model/arch/architectures.h"
#include "model/decoder_loader.h"

namespace herd {

Status load_qwen2(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kNeox;
  if (hp->n_expert > 0) return corrupt_file("qwen2 has no experts; a mixture-of-experts file is qwen2moe");
  DecoderSpec spec;
  spec.qkv_bias = true;
  return load_decoder(file, spec, hp, w);
}

}  // namespace herd
