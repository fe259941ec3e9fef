#include "model/weight_loader.h"

#include "gguf/gguf_file.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

std::string shape_string(std::initializer_list<int64_t> dims) {
  std::string s = "[";
  size_t i = 0;
  for (int64_t d : dims) s += (i++ ? ", " : "") + std::to_string(d);
  return s + "]";
}

Result<const GgufTensor*> find_typed(const GgufFile& file, const std::string& name) {
  const GgufTensor* t = file.find_tensor(name);
  if (t == nullptr) return not_found("tensor \"" + name + "\" is missing");
  if (!dtype_has_ref(t->type)) {
    return unsupported("tensor \"" + name + "\" has type " + std::string(dtype_name(t->type)) +
                       ", which herd cannot compute with yet");
  }
  return t;
}

bool dims_are(const GgufTensor& t, std::initializer_list<int64_t> want) {
  if (t.dims.size() != want.size()) return false;
  size_t i = 0;
  for (int64_t d : want) {
    if (d <= 0 || t.dims[i++] != static_cast<uint64_t>(d)) return false;
  }
  return true;
}

}  // namespace

std::string shape_string(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

bool WeightLoader::has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

Result<WeightMatrix> WeightLoader::matrix(const std::string& name, int64_t n_cols, int64_t n_rows) const {
  HERD_ASSIGN_OR_RETURN(const GgufTensor* t, find_typed(file_, name));
  if (!dims_are(*t, {n_cols, n_rows})) {
    return corrupt_file("tensor \"" + name + "\" has shape " + shape_string(t->dims) + ", expected " +
                        shape_string({n_cols, n_rows}));
  }
  WeightMatrix w;
  w.type = t->type;
  w.data = t->data;
  w.n_cols = n_cols;
  w.n_rows = n_rows;
  w.row_bytes = static_cast<size_t>(t->n_bytes / static_cast<uint64_t>(n_rows));
  return w;
}

Result<std::vector<WeightMatrix>> WeightLoader::experts(const std::string& name, int64_t n_cols, int64_t n_rows,
                                                        int64_t n_expert) const {
  HERD_ASSIGN_OR_RETURN(const GgufTensor* t, find_typed(file_, name));
  if (!dims_are(*t, {n_cols, n_rows, n_expert})) {
    return corrupt_file("tensor \"" + name + "\" has shape " + shape_string(t->dims) + ", expected " +
                        shape_string({n_cols, n_rows, n_expert}));
  }
  const size_t row_bytes = static_cast<size_t>(t->n_bytes / static_cast<uint64_t>(n_rows * n_expert));
  std::vector<WeightMatrix> out(static_cast<size_t>(n_expert));
  for (int64_t e = 0; e < n_expert; ++e) {
    WeightMatrix& w = out[static_cast<size_t>(e)];
    w.type = t->type;
    w.data = t->data + static_cast<size_t>(e) * static_cast<size_t>(n_rows) * row_bytes;
    w.n_cols = n_cols;
    w.n_rows = n_rows;
    w.row_bytes = row_bytes;
  }
  return out;
}

Result<std::vector<float>> WeightLoader::vector(const std::string& name, int64_t n) const {
  HERD_ASSIGN_OR_RETURN(const GgufTensor* t, find_typed(file_, name));
  // Norm weights, biases and rope factors are never quantized (llama-quantize keeps
  // 1-D tensors in float); a quantized one is a retyped, corrupt file.
  if (t->type != DType::kF32 && t->type != DType::kF16 && t->type != DType::kBF16) {
    return corrupt_file("tensor \"" + name + "\" has type " + std::string(dtype_name(t->type)) +
                        "; a 1-D weight must be F32, F16 or BF16");
  }
  if (!dims_are(*t, {n})) {
    return corrupt_file("tensor \"" + name + "\" has shape " + shape_string(t->dims) + ", expected [" +
                        std::to_string(n) + "]");
  }
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row_ref(t->type, t->data, out.data(), n);
  return out;
}

WeightMatrix row_slice(const WeightMatrix& w, int64_t first, int64_t n_rows) {
  WeightMatrix s = w;
  s.data = w.row(first);
  s.n_rows = n_rows;
  return s;
}

}  // namespace herd
