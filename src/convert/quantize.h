// `herd quantize`: converts an F32/F16/BF16 GGUF model to a file type (Q4_0, Q4_K_M, …)
// with the tensor mix of quant_recipe.h, streaming tensor by tensor to disk. All
// metadata is kept; general.file_type and general.quantization_version are set.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tensor/dtype.h"

namespace herd {

// Reported after each tensor is written.
struct QuantizeProgress {
  size_t index = 0;        // 1-based
  size_t n_tensors = 0;
  std::string_view name;
  DType from = DType::kF32;
  DType to = DType::kF32;
  uint64_t bytes_in = 0;   // source bytes of this tensor
  uint64_t bytes_out = 0;
  double seconds = 0.0;    // for this tensor
};

struct QuantizeParams {
  std::string input;
  std::string output;
  std::string type;     // a file type name: "Q8_0", "Q4_K_M", …
  int n_threads = 0;    // 0: all hardware threads
  std::function<void(const QuantizeProgress&)> on_tensor;  // optional
};

struct QuantizeSummary {
  uint64_t bytes_in = 0;   // input file size
  uint64_t bytes_out = 0;  // output file size
  size_t n_tensors = 0;
  size_t n_quantized = 0;  // tensors converted (the rest copied)
  double seconds = 0.0;
};

// kInvalidArgument for an unknown type name or an already-quantized source;
// kUnsupported when the mix needs a tensor type herd cannot quantize yet; I/O errors
// from reading or writing. On failure no output file is left behind.
Result<QuantizeSummary> quantize_model(const QuantizeParams& params);

}  // namespace herd
