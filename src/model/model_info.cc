// The model summary for `herd inspect` and `herd run`.
#include <algorithm>
#include <array>
#include <cstdio>

#include "model/model.h"

namespace herd {

std::string file_type_name(int64_t file_type) {
  // llama.cpp's llama_ftype numbering, as general.file_type stores it.
  struct Entry {
    int64_t id;
    const char* name;
  };
  static constexpr std::array kNames = {
      Entry{0, "F32"},      Entry{1, "F16"},      Entry{2, "Q4_0"},     Entry{3, "Q4_1"},
      Entry{7, "Q8_0"},     Entry{8, "Q5_0"},     Entry{9, "Q5_1"},     Entry{10, "Q2_K"},
      Entry{11, "Q3_K_S"},  Entry{12, "Q3_K_M"},  Entry{13, "Q3_K_L"},  Entry{14, "Q4_K_S"},
      Entry{15, "Q4_K_M"},  Entry{16, "Q5_K_S"},  Entry{17, "Q5_K_M"},  Entry{18, "Q6_K"},
      Entry{19, "IQ2_XXS"}, Entry{20, "IQ2_XS"},  Entry{21, "Q2_K_S"},  Entry{22, "IQ3_XS"},
      Entry{23, "IQ3_XXS"}, Entry{24, "IQ1_S"},   Entry{25, "IQ4_NL"},  Entry{26, "IQ3_S"},
      Entry{27, "IQ3_M"},   Entry{28, "IQ2_S"},   Entry{29, "IQ2_M"},   Entry{30, "IQ4_XS"},
      Entry{31, "IQ1_M"},   Entry{32, "BF16"},    Entry{36, "TQ1_0"},   Entry{37, "TQ2_0"},
      Entry{38, "MXFP4_MOE"},
  };
  for (const Entry& e : kNames) {
    if (e.id == file_type) return e.name;
  }
  return "";
}

ModelInfo model_info(const Model& model) {
  const Hparams& hp = model.hparams();
  const GgufFile& f = model.gguf();
  ModelInfo info;
  info.architecture = hp.arch;
  if (Result<std::string_view> name = f.get_string("general.name"); name.ok()) info.name = std::string(*name);
  info.file_bytes = f.file_size();
  info.n_ctx_train = hp.n_ctx_train;
  info.n_vocab = hp.n_vocab;
  info.n_embd = hp.n_embd;
  info.n_layer = hp.n_layer;
  info.n_head = hp.n_head;
  info.n_head_kv = hp.n_head_kv;
  info.head_dim = hp.head_dim;
  info.n_ff = hp.n_ff;
  info.n_expert = hp.n_expert;
  info.n_expert_used = hp.n_expert_used;
  info.n_swa = hp.n_swa;

  // Matrix types weighted by size decide the file type when general.file_type is absent.
  std::map<std::string, uint64_t> matrix_elements;
  for (const GgufTensor& t : f.tensors()) {
    info.n_params += static_cast<int64_t>(t.n_elements);
    const std::string type(dtype_name(t.type));
    ++info.tensor_types[type];
    if (t.dims.size() >= 2) matrix_elements[type] += t.n_elements;
  }
  if (Result<int64_t> ft = f.get_int("general.file_type"); ft.ok()) info.file_type = file_type_name(*ft);
  if (info.file_type.empty() && !matrix_elements.empty()) {
    info.file_type = std::max_element(matrix_elements.begin(), matrix_elements.end(), [](const auto& a, const auto& b) {
                       return a.second < b.second;
                     })->first;
  }
  return info;
}

namespace {

std::string human_count(int64_t n) {
  char buf[32];
  if (n >= 1000000000) {
    std::snprintf(buf, sizeof buf, "%.2fB", static_cast<double>(n) / 1e9);
  } else if (n >= 1000000) {
    std::snprintf(buf, sizeof buf, "%.2fM", static_cast<double>(n) / 1e6);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1fK", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  }
  return buf;
}

}  // namespace

std::string describe_model(const Model& model) {
  const ModelInfo info = model_info(model);
  std::string types;
  for (const auto& [type, count] : info.tensor_types) {
    types += (types.empty() ? "" : ", ") + type + "×" + std::to_string(count);
  }
  std::string s = info.architecture;
  if (!info.name.empty()) s += " \"" + info.name + "\"";
  s += " · " + human_count(info.n_params) + " params · " + (info.file_type.empty() ? "?" : info.file_type) + " (" +
       types + ") · ctx " + std::to_string(info.n_ctx_train) + " · " + std::to_string(info.n_layer) + " layers, " +
       std::to_string(info.n_embd) + " embd, " + std::to_string(info.n_head) + "/" + std::to_string(info.n_head_kv) +
       " heads";
  if (info.n_expert > 0) {
    s += ", " + std::to_string(info.n_expert_used) + " of " + std::to_string(info.n_expert) + " experts";
  }
  if (info.n_swa > 0) s += ", sliding window " + std::to_string(info.n_swa);
  return s;
}

}  // namespace herd
