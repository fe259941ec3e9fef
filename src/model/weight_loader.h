// Looks up model tensors by name and checks their shape and type before use.
// Every error names the tensor and, for a bad shape, the shape expected.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "kernels/matmul.h"

namespace herd {

class GgufFile;

class WeightLoader {
 public:
  explicit WeightLoader(const GgufFile& file) : file_(file) {}

  bool has(const std::string& name) const;
  // A 2-D tensor of GGUF shape [n_cols, n_rows] in a type herd computes with.
  Result<WeightMatrix> matrix(const std::string& name, int64_t n_cols, int64_t n_rows) const;
  // A 3-D tensor of GGUF shape [n_cols, n_rows, n_expert]: one matrix view per expert.
  Result<std::vector<WeightMatrix>> experts(const std::string& name, int64_t n_cols, int64_t n_rows,
                                            int64_t n_expert) const;
  // A 1-D tensor of n values, converted to float.
  Result<std::vector<float>> vector(const std::string& name, int64_t n) const;

 private:
  const GgufFile& file_;
};

// "[256, 512]".
std::string shape_string(const std::vector<uint64_t>& dims);

// Rows [first, first + n_rows) of w as a matrix of their own (fused tensors such as
// phi3's attn_qkv are split this way at load). The caller keeps the range inside w.
WeightMatrix row_slice(const WeightMatrix& w, int64_t first, int64_t n_rows);

}  // namespace herd
