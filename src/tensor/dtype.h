// Tensor element types, numbered as GGUF numbers them (ggml_type ids).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace herd {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

// Storage facts of a type: `block_size` elements are stored in `block_bytes` bytes.
struct DTypeInfo {
  DType type;
  std::string_view name;  // as GGUF tools print it: "Q4_0", "F16"
  uint32_t block_size;
  uint32_t block_bytes;
  bool quantized;
};

// nullopt for an id no known GGUF writer uses (so a file with it is corrupt or too new).
std::optional<DTypeInfo> dtype_info(uint32_t id);
const DTypeInfo& dtype_info(DType type);
std::string_view dtype_name(DType type);
std::optional<DType> dtype_from_name(std::string_view name);

// Bytes that n elements of the type occupy; nullopt when n is not a whole number of
// blocks or the size overflows.
std::optional<uint64_t> dtype_row_bytes(DType type, uint64_t n);

}  // namespace herd
