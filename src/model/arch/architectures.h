// The registry of model architectures: one loader per file in model/arch/.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "model/hparams.h"

namespace herd {

class GgufFile;
struct ModelWeights;

struct ArchLoader {
  std::string_view name;  // general.architecture
  // Finishes the hyperparameters (rope style, n_vocab, family flags) and finds every weight.
  Status (*load)(const GgufFile& file, Hparams* hp, ModelWeights* weights);
};

const ArchLoader* find_arch_loader(std::string_view name);
// "llama, qwen2, …" for error messages.
std::string supported_architectures();

// One per architecture file.
Status load_llama(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_qwen2(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_qwen2moe(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_qwen3(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_qwen3moe(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_gemma(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_gemma2(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_gemma3(const GgufFile& file, Hparams* hp, ModelWeights* weights);
Status load_phi3(const GgufFile& file, Hparams* hp, ModelWeights* weights);

}  // namespace herd
