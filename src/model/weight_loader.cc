#include "model/weight_loader.h"

#include "gguf/gguf_file.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

std::string shape_string(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
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

}  // namespace

bool WeightLoader::has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

Result<WeightMatrix> WeightLoader::matrix(const std::string& name, int64_t n_cols, int64_t n_rows) const {
  HERD_ASSIGN_OR_RETURN(const GgufTensor* t, find_typed(file_, name));
  const bool ok = t->dims.size() == 2 && t->dims[0] == static_cast<uint64_t>(n_cols) &&
                  t->dims[1] == static_cast<uint64_t>(n_rows);
  if (!ok) {
    return corrupt_file("tensor \"" + name + "\" has shape " + shape_string(t->dims) + ", expected [" +
                        std::to_string(n_cols) + ", " + std::to_string(n_rows) + "]");
  }
  WeightMatrix w;
  w.type = t->type;
  w.data = t->data;
  w.n_cols = n_cols;
  w.n_rows = n_rows;
  w.row_bytes = static_cast<size_t>(t->n_bytes / static_cast<uint64_t>(n_rows));
  return w;
}

Result<std::vector<float>> WeightLoader::vector(const std::string& name, int64_t n) const {
  HERD_ASSIGN_OR_RETURN(const GgufTensor* t, find_typed(file_, name));
  if (t->n_elements != static_cast<uint64_t>(n) || t->dims.empty() || t->dims[0] != static_cast<uint64_t>(n)) {
    return corrupt_file("tensor \"" + name + "\" has shape " + shape_string(t->dims) + ", expected [" +
                        std::to_string(n) + "]");
  }
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row_ref(t->type, t->data, out.data(), n);
  return out;
}

}  // namespace herd
