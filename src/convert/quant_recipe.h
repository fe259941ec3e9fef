// Which type each tensor of a model gets for a requested file type ("Q4_K_M"), following
// the mixes llama-quantize applies by default (no importance matrix), so that files herd
// writes have the tensor types people expect from those names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tensor/dtype.h"

namespace herd {

// A file type as general.file_type numbers it (llama.cpp's llama_ftype).
struct FileType {
  std::string_view name;  // "Q4_K_M"
  uint32_t id;            // general.file_type
  DType base;             // the type most matrices get
};

// Case-insensitive; accepts the aliases Q3_K (Q3_K_M), Q4_K (Q4_K_M), Q5_K (Q5_K_M).
std::optional<FileType> file_type_from_name(std::string_view name);
// Every file type herd knows, in file_type order.
const std::vector<FileType>& all_file_types();
// "F32, F16, BF16, Q4_0, ..." for error messages and --help.
std::string file_type_names();

// Facts about the whole model that the mix depends on.
struct RecipeModel {
  int32_t n_layer = 0;      // {arch}.block_count
  int32_t n_head = 0;
  int32_t n_head_kv = 0;    // n_head / n_head_kv is the GQA factor
  bool has_output = true;   // false: token_embd doubles as the output matrix
};

// The type of one tensor. 1-D tensors, tensors whose name does not end in "weight",
// and the MoE router (ffn_gate_inp) keep `source_type` (returned unchanged). A row
// length that is not whole blocks of the chosen type falls back to a compatible type
// (Q6_K -> Q8_0, Q5_K -> Q5_1, Q4_K -> Q5_0, Q2_K/Q3_K/IQ4_XS -> IQ4_NL, then F16).
DType tensor_type_for(const FileType& ft, const RecipeModel& model, std::string_view name,
                      const std::vector<uint64_t>& dims, DType source_type);

// True when the tensor is a matrix the recipe converts (see tensor_type_for).
bool is_quantizable(std::string_view name, const std::vector<uint64_t>& dims);

// The layer number of "blk.N.…", -1 for other names.
int32_t layer_of(std::string_view name);

}  // namespace herd
