// `herd synth`: a GGUF model with the real hyperparameters, tensor names and shapes of
// a known family (TinyLlama-1.1B, Llama-2-7B, Qwen2-0.5B, or a tiny test shape), filled
// with seeded random weights at scales that keep activations finite, quantized row by
// row straight to disk (a 7B file never needs 7B floats in memory), and a tokenizer
// copied from a vocabulary file so that `herd run` works on it. For benchmarks and
// tests of full-size shapes without downloading real weights.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "convert/quantize.h"
#include "gguf/gguf_writer.h"

namespace herd {

// The hyperparameters of a shape.
struct SynthShape {
  std::string_view name;  // "tinyllama-1.1b"
  std::string_view arch;  // "llama" or "qwen2"
  int32_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
  float rope_freq_base;
  float rms_eps;
  bool qkv_bias;     // qwen2: attn_q/k/v biases
  bool tied_output;  // no output.weight: token_embd is the output matrix
  std::string_view default_vocab;  // relative to the shared dir: "models/stories260K.gguf"
};

// tinyllama-1.1b, llama2-7b, qwen2-0.5b, tiny.
const std::vector<SynthShape>& synth_shapes();
const SynthShape* find_synth_shape(std::string_view name);

struct SynthParams {
  std::string shape;       // a synth_shapes() name
  std::string type = "Q4_0";  // a file type name (quant_recipe.h); mixes apply as in quantize
  std::string output;
  uint64_t seed = 42;
  std::string vocab_from;  // GGUF whose tokenizer.* keys are copied; "" = the shape's default
  std::string shared_dir;  // where default vocabularies live ("" = no default vocab)
  int32_t n_layer = 0;     // > 0: override the shape's layer count (cut-down files)
  int n_threads = 0;       // 0: all hardware threads
  bool plan_only = false;  // decide everything (types, sizes) but write nothing
  std::function<void(const QuantizeProgress&)> on_tensor;  // optional progress
};

struct SynthSummary {
  uint64_t bytes = 0;     // file size
  int64_t n_params = 0;
  size_t n_tensors = 0;
  int32_t n_vocab = 0;
  double seconds = 0.0;
  std::vector<GgufTensorInfo> tensors;  // names, types and shapes, in file order
};

// kInvalidArgument for an unknown shape or type; kUnsupported for a type herd cannot
// quantize yet; I/O errors. On failure no output file is left behind.
Result<SynthSummary> synth_model(const SynthParams& params);

}  // namespace herd
