#include "convert/quantize.h"

#include <chrono>
#include <memory>
#include <vector>

#include "base/thread_pool.h"
#include "convert/quant_recipe.h"
#include "convert/row_writer.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool is_float_type(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

RecipeModel recipe_model(const GgufFile& in) {
  Result<std::string_view> arch_r = in.get_string("general.architecture");
  const std::string arch(arch_r.ok() ? *arch_r : "");
  auto int_or = [&](const std::string& key, int64_t fallback) {
    Result<int64_t> v = in.get_int_or(arch + "." + key, fallback);
    return static_cast<int32_t>(v.ok() ? *v : fallback);
  };
  RecipeModel m;
  m.n_layer = int_or("block_count", 0);
  m.n_head = int_or("attention.head_count", 0);
  m.n_head_kv = int_or("attention.head_count_kv", m.n_head);
  if (m.n_layer == 0) {  // no hyperparameters: count the layers from the tensor names
    for (const GgufTensor& t : in.tensors()) m.n_layer = std::max(m.n_layer, layer_of(t.name) + 1);
  }
  m.has_output = in.find_tensor("output.weight") != nullptr;
  return m;
}

}  // namespace

Result<QuantizeSummary> quantize_model(const QuantizeParams& params) {
  const Clock::time_point t0 = Clock::now();
  const std::optional<FileType> ft = file_type_from_name(params.type);
  if (!ft) return invalid_argument("unknown type \"" + params.type + "\" (known: " + file_type_names() + ")");
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> in, GgufFile::open(params.input));
  const RecipeModel model = recipe_model(*in);

  // Decide every tensor's type first: refuse bad sources before writing anything.
  std::vector<DType> types;
  types.reserve(in->tensors().size());
  for (const GgufTensor& t : in->tensors()) {
    const DType to = tensor_type_for(*ft, model, t.name, t.dims, t.type);
    if (to != t.type && !is_float_type(t.type)) {
      return invalid_argument("tensor " + std::string(t.name) + " is already quantized (" +
                              std::string(dtype_name(t.type)) + "); quantize needs an F32, F16 or BF16 model");
    }
    if (to != t.type) {
      if (!dtype_has_ref(t.type)) return unsupported("cannot read tensor type " + std::string(dtype_name(t.type)));
      Status s = check_writable(to);
      if (!s.ok()) return s.with_context("type " + std::string(ft->name) + " needs " + std::string(dtype_name(to)) +
                                         " for " + std::string(t.name));
    }
    types.push_back(to);
  }

  GgufWriter out;
  out.copy_metadata(*in, [](std::string_view) { return false; });
  out.set_u32("general.quantization_version", 2);
  out.set_u32("general.file_type", ft->id);
  for (size_t i = 0; i < in->tensors().size(); ++i) {
    const GgufTensor& t = in->tensors()[i];
    HERD_RETURN_IF_ERROR(out.add_tensor(std::string(t.name), types[i], t.dims));
  }
  HERD_RETURN_IF_ERROR(out.open(params.output));

  ThreadPool pool(params.n_threads > 0 ? params.n_threads : ThreadPool::default_threads());
  QuantizeSummary summary;
  summary.n_tensors = in->tensors().size();
  for (size_t i = 0; i < in->tensors().size(); ++i) {
    const GgufTensor& t = in->tensors()[i];
    const Clock::time_point tt = Clock::now();
    if (types[i] == t.type) {
      HERD_RETURN_IF_ERROR(out.write(t.data, t.n_bytes));
    } else {
      const int64_t row_len = static_cast<int64_t>(t.dims[0]);
      const uint64_t src_row_bytes = *dtype_row_bytes(t.type, t.dims[0]);
      const DType from = t.type;
      const uint8_t* data = t.data;
      HERD_RETURN_IF_ERROR(write_rows(out, pool, types[i], row_len, static_cast<int64_t>(t.n_rows()),
                                      [&](int64_t row, float* dst) {
                                        dequantize_row_ref(from, data + row * src_row_bytes, dst, row_len);
                                      }));
      ++summary.n_quantized;
    }
    if (params.on_tensor) {
      QuantizeProgress p;
      p.index = i + 1;
      p.n_tensors = in->tensors().size();
      p.name = t.name;
      p.from = t.type;
      p.to = types[i];
      p.bytes_in = t.n_bytes;
      p.bytes_out = out.tensors()[i].n_bytes;
      p.seconds = seconds_since(tt);
      params.on_tensor(p);
    }
  }
  summary.bytes_out = out.total_bytes();
  HERD_RETURN_IF_ERROR(out.finish());
  summary.bytes_in = in->file_size();
  summary.seconds = seconds_since(t0);
  return summary;
}

}  // namespace herd
