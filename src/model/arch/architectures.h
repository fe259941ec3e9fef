// The registry of model architectures: one loader per file in model/arch/.
#pragma once

#include <string_view>

#include "base/status.h"
#include "model/hparams.h"

namespace herd {

class GgufFile;
struct ModelWeights;

struct ArchLoader {
  std::string_view name;  // general.architecture
  // Finishes the hyperparameters (rope style, n_vocab) and finds every weight.
  Status (*load)(const GgufFile& file, Hparams* hp, ModelWeights* weights);
};

const ArchLoader* find_arch_loader(std::string_view name);

// One per architecture file.
Status load_llama(const GgufFile& file, Hparams* hp, ModelWeights* weights);

}  // namespace herd
