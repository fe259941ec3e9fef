// A loaded model: the mmapped GGUF, its hyperparameters and views of its weights.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "kernels/matmul.h"
#include "model/hparams.h"

namespace herd {

struct LayerWeights {
  std::vector<float> attn_norm;  // [n_embd]
  WeightMatrix wq;               // [n_embd, n_embd_q]
  WeightMatrix wk;               // [n_embd, n_embd_kv]
  WeightMatrix wv;               // [n_embd, n_embd_kv]
  WeightMatrix wo;               // [n_embd_q, n_embd]
  std::vector<float> ffn_norm;   // [n_embd]
  WeightMatrix ffn_gate;         // [n_embd, n_ff]
  WeightMatrix ffn_up;           // [n_embd, n_ff]
  WeightMatrix ffn_down;         // [n_ff, n_embd]
};

struct ModelWeights {
  WeightMatrix token_embd;         // [n_embd, n_vocab]
  std::vector<float> output_norm;  // [n_embd]
  WeightMatrix output;             // [n_embd, n_vocab]; token_embd when the file ties them
  std::vector<float> rope_freqs;   // [n_rot / 2] frequency divisors, empty when absent
  std::vector<LayerWeights> layers;
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const std::string& path);
  static Result<std::unique_ptr<Model>> from_gguf(std::unique_ptr<GgufFile> file);

  const Hparams& hparams() const { return hparams_; }
  const ModelWeights& weights() const { return weights_; }
  const GgufFile& gguf() const { return *file_; }

 private:
  Model() = default;

  std::unique_ptr<GgufFile> file_;
  Hparams hparams_;
  ModelWeights weights_;
};

}  // namespace herd
