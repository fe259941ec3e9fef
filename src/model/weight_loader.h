// Looks up model tensors by name and checks their shape and type before use.
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
  // A 1-D tensor of n values, converted to float.
  Result<std::vector<float>> vector(const std::string& name, int64_t n) const;

 private:
  const GgufFile& file_;
};

}  // namespace herd
