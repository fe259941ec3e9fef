// Hyperparameters of a decoder-only transformer, read from GGUF metadata.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "kernels/ops_ref.h"

namespace herd {

class GgufFile;

struct Hparams {
  std::string arch;  // general.architecture: "llama", ...
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;  // attention.key_length, default n_embd / n_head
  int32_t n_ff = 0;
  int32_t n_rot = 0;     // rope.dimension_count, default head_dim
  float rms_eps = 1e-5f;
  double rope_freq_base = 10000.0;
  double rope_scale = 1.0;  // linear rope scaling factor (positions divided by it)
  RopeStyle rope_style = RopeStyle::kAdjacentPairs;

  int32_t n_embd_q() const { return n_head * head_dim; }
  int32_t n_embd_kv() const { return n_head_kv * head_dim; }
};

// Reads "<arch>.*" keys; checks that the values are positive and consistent.
Result<Hparams> read_hparams(const GgufFile& file, const std::string& arch);

}  // namespace herd
