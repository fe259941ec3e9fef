// A loaded model: the mmapped GGUF, its hyperparameters and views of its weights.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "kernels/matmul.h"
#include "model/hparams.h"

namespace herd {

// An optional weight is absent when its data is null (matrices) or it is empty (vectors).
inline bool present(const WeightMatrix& w) { return w.data != nullptr; }

// The mixture-of-experts FFN of one layer (Mixtral, Qwen-MoE).
struct MoeWeights {
  WeightMatrix gate_inp;                // [n_embd, n_expert] router
  std::vector<WeightMatrix> gate_exps;  // n_expert × [n_embd, n_ff_exp]
  std::vector<WeightMatrix> up_exps;    // n_expert × [n_embd, n_ff_exp]
  std::vector<WeightMatrix> down_exps;  // n_expert × [n_ff_exp, n_embd]
  // Shared expert (qwen2moe), absent elsewhere: always runs, scaled by
  // sigmoid(gate_inp_shexp · x).
  std::vector<float> gate_inp_shexp;    // [n_embd]
  WeightMatrix gate_shexp;              // [n_embd, n_ff_shexp]
  WeightMatrix up_shexp;                // [n_embd, n_ff_shexp]
  WeightMatrix down_shexp;              // [n_ff_shexp, n_embd]
};

struct LayerWeights {
  std::vector<float> attn_norm;  // [n_embd]
  // Fused attn_qkv (phi3) is split into these three row views at load.
  WeightMatrix wq;               // [n_embd, n_embd_q]
  WeightMatrix wk;               // [n_embd, n_embd_kv]
  WeightMatrix wv;               // [n_embd, n_embd_kv]
  std::vector<float> bq;         // [n_embd_q]  (qwen2), optional
  std::vector<float> bk;         // [n_embd_kv] (qwen2), optional
  std::vector<float> bv;         // [n_embd_kv] (qwen2), optional
  std::vector<float> q_norm;     // [head_dim] per-head RMSNorm before rope (qwen3, gemma3), optional
  std::vector<float> k_norm;     // [head_dim], optional
  WeightMatrix wo;               // [n_embd_q, n_embd]
  std::vector<float> post_attn_norm;  // [n_embd] on the attention output (gemma2/3), optional
  std::vector<float> ffn_norm;   // [n_embd]
  // Dense FFN; a fused ffn_up (phi3: rows gate, up) is split into gate and up at load.
  WeightMatrix ffn_gate;         // [n_embd, n_ff]
  WeightMatrix ffn_up;           // [n_embd, n_ff]
  WeightMatrix ffn_down;         // [n_ff, n_embd]
  MoeWeights moe;                // used instead of the dense FFN when n_expert > 0
  std::vector<float> post_ffn_norm;   // [n_embd] on the FFN output (gemma2/3), optional
};

struct ModelWeights {
  WeightMatrix token_embd;         // [n_embd, n_vocab]
  std::vector<float> output_norm;  // [n_embd]
  WeightMatrix output;             // [n_embd, n_vocab]; token_embd when the file ties them
  std::vector<float> rope_freqs;   // [n_rot / 2] frequency divisors, empty when absent
  std::vector<float> rope_factors_long;   // [n_rot / 2] long-rope divisors (phi3), optional
  std::vector<float> rope_factors_short;  // [n_rot / 2] long-rope divisors (phi3), optional
  std::vector<LayerWeights> layers;
};

// What `herd inspect` / `herd run` print about a model.
struct ModelInfo {
  std::string architecture;  // general.architecture
  std::string name;          // general.name, "" when absent
  int64_t n_params = 0;      // elements of every tensor in the file
  uint64_t file_bytes = 0;
  int32_t n_ctx_train = 0;
  int32_t n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
  int32_t n_expert = 0, n_expert_used = 0;
  int32_t n_swa = 0;                        // sliding window, 0 when none
  std::string file_type;                    // "Q4_K_M", "F16", …: general.file_type, else the commonest matrix type
  std::map<std::string, int> tensor_types;  // tensor type name -> count
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
  static Result<std::unique_ptr<Model>> build(std::unique_ptr<GgufFile> file);

  std::unique_ptr<GgufFile> file_;
  Hparams hparams_;
  ModelWeights weights_;
};

ModelInfo model_info(const Model& model);
// One line, e.g. `gemma2 "gemma2-tiny" · 15.49M params · F16 (F16×183, F32×105) · ctx 512 ·
// 26 layers, 256 embd, 4/2 heads, sliding window 32`.
std::string describe_model(const Model& model);
// The llama.cpp file-type name of a general.file_type value ("Q4_K_M"); "" when unknown.
std::string file_type_name(int64_t file_type);

}  // namespace herd
