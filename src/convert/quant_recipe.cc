// The default llama-quantize mixes, stated as rules on tensor names:
// - the output matrix (or token_embd when it doubles as the output) gets Q6_K, except in
//   Q8_0 files and float files;
// - attn_v, ffn_down, attn_output and a fused attn_qkv get more bits in the K mixes,
//   attn_v and ffn_down only in some layers ("more bits": the first and last eighth of
//   the layers and every third layer in between);
// - everything else gets the file type's base type.
#include "convert/quant_recipe.h"

#include <cctype>

namespace herd {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Dimensions that count: trailing 1s do not make a tensor 2-D.
size_t effective_dims(const std::vector<uint64_t>& dims) {
  size_t n = dims.size();
  while (n > 1 && dims[n - 1] == 1) --n;
  return n;
}

// The layers that get more bits in the _M mixes.
bool use_more_bits(int32_t layer, int32_t n_layer) {
  if (layer < 0 || n_layer <= 0) return false;
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

bool fits(DType type, uint64_t row) { return row % dtype_info(type).block_size == 0; }

// A type whose block fits a row that `type`'s block does not.
DType fallback(DType type, uint64_t row) {
  DType t = type;
  switch (type) {
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kIQ4_XS: t = DType::kIQ4_NL; break;
    case DType::kQ4_K: t = DType::kQ5_0; break;
    case DType::kQ5_K: t = DType::kQ5_1; break;
    case DType::kQ6_K: t = DType::kQ8_0; break;
    default: break;
  }
  return fits(t, row) ? t : DType::kF16;
}

const std::vector<FileType> kFileTypes = {
    {"F32", 0, DType::kF32},      {"F16", 1, DType::kF16},        {"Q4_0", 2, DType::kQ4_0},
    {"Q4_1", 3, DType::kQ4_1},    {"Q8_0", 7, DType::kQ8_0},      {"Q5_0", 8, DType::kQ5_0},
    {"Q5_1", 9, DType::kQ5_1},    {"Q2_K", 10, DType::kQ2_K},     {"Q3_K_S", 11, DType::kQ3_K},
    {"Q3_K_M", 12, DType::kQ3_K}, {"Q3_K_L", 13, DType::kQ3_K},   {"Q4_K_S", 14, DType::kQ4_K},
    {"Q4_K_M", 15, DType::kQ4_K}, {"Q5_K_S", 16, DType::kQ5_K},   {"Q5_K_M", 17, DType::kQ5_K},
    {"Q6_K", 18, DType::kQ6_K},   {"IQ4_NL", 25, DType::kIQ4_NL}, {"IQ4_XS", 30, DType::kIQ4_XS},
    {"BF16", 32, DType::kBF16},
};

}  // namespace

const std::vector<FileType>& all_file_types() { return kFileTypes; }

std::optional<FileType> file_type_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "Q3_K") upper = "Q3_K_M";
  if (upper == "Q4_K") upper = "Q4_K_M";
  if (upper == "Q5_K") upper = "Q5_K_M";
  for (const FileType& ft : kFileTypes) {
    if (ft.name == upper) return ft;
  }
  return std::nullopt;
}

std::string file_type_names() {
  std::string s;
  for (const FileType& ft : kFileTypes) {
    if (!s.empty()) s += ", ";
    s += ft.name;
  }
  return s;
}

int32_t layer_of(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int32_t layer = 0;
  size_t i = 4;
  if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i) {
    if (layer > 100000) return -1;
    layer = layer * 10 + (name[i] - '0');
  }
  return i < name.size() && name[i] == '.' ? layer : -1;
}

bool is_quantizable(std::string_view name, const std::vector<uint64_t>& dims) {
  if (!ends_with(name, "weight") || effective_dims(dims) < 2) return false;
  // The MoE router and position/type embeddings stay as they are.
  return !contains(name, "ffn_gate_inp") && !contains(name, "pos_embd") && !contains(name, "token_types");
}

DType tensor_type_for(const FileType& ft, const RecipeModel& model, std::string_view name,
                      const std::vector<uint64_t>& dims, DType source_type) {
  if (!is_quantizable(name, dims)) return source_type;
  const DType base = ft.base;
  if (!dtype_info(base).quantized) return base;  // F32, F16, BF16 files: every matrix alike

  const bool is_output = name == "output.weight" || (!model.has_output && name == "token_embd.weight");
  const int32_t layer = layer_of(name);
  const int32_t n_layer = model.n_layer;
  const int32_t gqa = model.n_head_kv > 0 ? model.n_head / model.n_head_kv : 1;
  const std::string_view n = ft.name;
  DType t = base;

  if (is_output) {
    if (base != DType::kQ8_0) t = DType::kQ6_K;
  } else if (contains(name, "attn_v.weight")) {
    if (n == "Q2_K") {
      t = gqa >= 4 ? DType::kQ4_K : DType::kQ3_K;
    } else if (n == "Q3_K_M") {
      t = layer < 2 ? DType::kQ5_K : DType::kQ4_K;
    } else if (n == "Q3_K_L") {
      t = DType::kQ5_K;
    } else if ((n == "Q4_K_M" || n == "Q5_K_M") && use_more_bits(layer, n_layer)) {
      t = DType::kQ6_K;
    } else if (n == "Q4_K_S" && layer < 4) {
      t = DType::kQ5_K;
    } else if ((n == "IQ4_NL" || n == "IQ4_XS") && gqa >= 4) {
      t = DType::kQ5_K;
    }
  } else if (contains(name, "ffn_down")) {
    if (n == "Q2_K") {
      t = DType::kQ3_K;
    } else if (n == "Q3_K_M") {
      t = layer < n_layer / 16 ? DType::kQ5_K : DType::kQ4_K;
    } else if (n == "Q3_K_L") {
      t = DType::kQ5_K;
    } else if ((n == "Q4_K_M" || n == "Q5_K_M") && use_more_bits(layer, n_layer)) {
      t = DType::kQ6_K;
    } else if (n == "Q4_K_S" && layer < n_layer / 8) {
      t = DType::kQ5_K;
    } else if ((n == "IQ4_NL" || n == "IQ4_XS") && layer < n_layer / 8) {
      t = DType::kQ5_K;
    }
  } else if (contains(name, "attn_output.weight")) {
    if (n == "Q2_K") t = DType::kQ3_K;
    if (n == "Q3_K_M") t = DType::kQ4_K;
    if (n == "Q3_K_L") t = DType::kQ5_K;
  } else if (contains(name, "attn_qkv.weight")) {
    if (n == "Q3_K_M" || n == "Q3_K_L") t = DType::kQ4_K;
    if (n == "Q4_K_M") t = DType::kQ5_K;
    if (n == "Q5_K_M") t = DType::kQ6_K;
  }
  return fits(t, dims[0]) ? t : fallback(t, dims[0]);
}

}  // namespace herd
