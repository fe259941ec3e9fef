#include "tensor/quant_ref.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tensor/half.h"
#include "tensor/iq4_ref.h"
#include "tensor/kquant_ref.h"
#include "tensor/quant_block_ref.h"

namespace herd {
namespace {

using Byte = unsigned char;

// Callers check dtype_has_ref and row shapes first, so getting here is a bug in herd.
[[noreturn]] void broken_call(const char* fn, DType type, int64_t n) {
  const std::string_view name = dtype_name(type);
  std::fprintf(stderr, "herd: %s called with type %.*s, n=%lld (no reference for it)\n", fn,
               static_cast<int>(name.size()), name.data(), static_cast<long long>(n));
  std::abort();
}

void check_row(const char* fn, DType type, int64_t n) {
  if (!dtype_has_ref(type) || n < 0 || n % dtype_info(type).block_size != 0) {
    broken_call(fn, type, n);
  }
}

// Rows may sit at any address (mapped files, byte buffers): load and store by memcpy.
template <typename T>
T load(const void* base, int64_t i) {
  T v;
  std::memcpy(&v, static_cast<const Byte*>(base) + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

template <typename T>
void store(void* base, int64_t i, const T& v) {
  std::memcpy(static_cast<Byte*>(base) + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

// Element i of a row of a float type (F32, F16, BF16) as a float.
template <DType kType>
float load_float(const void* row, int64_t i) {
  if constexpr (kType == DType::kF32) return load<float>(row, i);
  if constexpr (kType == DType::kF16) return fp16_to_f32(load<uint16_t>(row, i));
  if constexpr (kType == DType::kBF16) return bf16_to_f32(load<uint16_t>(row, i));
}

template <typename Block>
void dequantize_blocks(const void* src, float* dst, int64_t n) {
  constexpr int kQK = kBlockElems<Block>;
  for (int64_t i = 0; i < n / kQK; ++i) dequantize_block(load<Block>(src, i), dst + i * kQK);
}

template <typename Block>
void quantize_blocks(const float* src, void* dst, int64_t n) {
  constexpr int kQK = kBlockElems<Block>;
  for (int64_t i = 0; i < n / kQK; ++i) {
    Block b;
    quantize_block(src + i * kQK, &b);
    store(dst, i, b);
  }
}

template <typename Block>
float dot_f32_blocks(const void* row, const float* x, int64_t n) {
  constexpr int kQK = kBlockElems<Block>;
  float w[kQK];
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    dequantize_block(load<Block>(row, i), w);
    const float* xb = x + i * kQK;
    for (int j = 0; j < kQK; ++j) sum += w[j] * xb[j];
  }
  return sum;
}

template <DType kType>
float dot_f32_floats(const void* row, const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += load_float<kType>(row, i) * x[i];
  return sum;
}

template <typename W, typename A>
float vec_dot_blocks(const void* row, const void* act, int64_t n) {
  static_assert(kBlockElems<W> == kBlockElems<A>);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kBlockElems<W>; ++i) {
    sum += vec_dot_block(load<W>(row, i), load<A>(act, i));
  }
  return sum;
}

template <DType kType>
float vec_dot_floats(const void* row, const void* act, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += load_float<kType>(row, i) * load_float<kType>(act, i);
  return sum;
}

}  // namespace

bool dtype_has_ref(DType type) {
  switch (type) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ8_0:
    case DType::kQ8_1:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kQ8_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS: return true;
    default: return false;
  }
}

void dequantize_row_ref(DType type, const void* src, float* dst, int64_t n) {
  check_row("dequantize_row_ref", type, n);
  switch (type) {
    case DType::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16: {
      const float* table = fp16_table();
      for (int64_t i = 0; i < n; ++i) dst[i] = table[load<uint16_t>(src, i)];
      return;
    }
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = load_float<DType::kBF16>(src, i);
      return;
    case DType::kQ4_0: return dequantize_blocks<BlockQ4_0>(src, dst, n);
    case DType::kQ4_1: return dequantize_blocks<BlockQ4_1>(src, dst, n);
    case DType::kQ5_0: return dequantize_blocks<BlockQ5_0>(src, dst, n);
    case DType::kQ5_1: return dequantize_blocks<BlockQ5_1>(src, dst, n);
    case DType::kQ8_0: return dequantize_blocks<BlockQ8_0>(src, dst, n);
    case DType::kQ8_1: return dequantize_blocks<BlockQ8_1>(src, dst, n);
    case DType::kQ2_K: return dequantize_blocks<BlockQ2_K>(src, dst, n);
    case DType::kQ3_K: return dequantize_blocks<BlockQ3_K>(src, dst, n);
    case DType::kQ4_K: return dequantize_blocks<BlockQ4_K>(src, dst, n);
    case DType::kQ5_K: return dequantize_blocks<BlockQ5_K>(src, dst, n);
    case DType::kQ6_K: return dequantize_blocks<BlockQ6_K>(src, dst, n);
    case DType::kQ8_K: return dequantize_blocks<BlockQ8_K>(src, dst, n);
    case DType::kIQ4_NL: return dequantize_blocks<BlockIQ4_NL>(src, dst, n);
    case DType::kIQ4_XS: return dequantize_blocks<BlockIQ4_XS>(src, dst, n);
    default: broken_call("dequantize_row_ref", type, n);
  }
}

void quantize_row_ref(DType type, const float* src, void* dst, int64_t n) {
  check_row("quantize_row_ref", type, n);
  switch (type) {
    case DType::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) store(dst, i, f32_to_fp16(src[i]));
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) store(dst, i, f32_to_bf16(src[i]));
      return;
    case DType::kQ4_0: return quantize_blocks<BlockQ4_0>(src, dst, n);
    case DType::kQ4_1: return quantize_blocks<BlockQ4_1>(src, dst, n);
    case DType::kQ5_0: return quantize_blocks<BlockQ5_0>(src, dst, n);
    case DType::kQ5_1: return quantize_blocks<BlockQ5_1>(src, dst, n);
    case DType::kQ8_0: return quantize_blocks<BlockQ8_0>(src, dst, n);
    case DType::kQ8_1: return quantize_blocks<BlockQ8_1>(src, dst, n);
    case DType::kQ2_K: return quantize_blocks<BlockQ2_K>(src, dst, n);
    case DType::kQ3_K: return quantize_blocks<BlockQ3_K>(src, dst, n);
    case DType::kQ4_K: return quantize_blocks<BlockQ4_K>(src, dst, n);
    case DType::kQ5_K: return quantize_blocks<BlockQ5_K>(src, dst, n);
    case DType::kQ6_K: return quantize_blocks<BlockQ6_K>(src, dst, n);
    case DType::kQ8_K: return quantize_blocks<BlockQ8_K>(src, dst, n);
    case DType::kIQ4_NL: return quantize_blocks<BlockIQ4_NL>(src, dst, n);
    case DType::kIQ4_XS: return quantize_blocks<BlockIQ4_XS>(src, dst, n);
    default: broken_call("quantize_row_ref", type, n);
  }
}

float dot_f32_ref(DType type, const void* row, const float* x, int64_t n) {
  check_row("dot_f32_ref", type, n);
  switch (type) {
    case DType::kF32: return dot_f32_floats<DType::kF32>(row, x, n);
    case DType::kF16: return dot_f32_floats<DType::kF16>(row, x, n);
    case DType::kBF16: return dot_f32_floats<DType::kBF16>(row, x, n);
    case DType::kQ4_0: return dot_f32_blocks<BlockQ4_0>(row, x, n);
    case DType::kQ4_1: return dot_f32_blocks<BlockQ4_1>(row, x, n);
    case DType::kQ5_0: return dot_f32_blocks<BlockQ5_0>(row, x, n);
    case DType::kQ5_1: return dot_f32_blocks<BlockQ5_1>(row, x, n);
    case DType::kQ8_0: return dot_f32_blocks<BlockQ8_0>(row, x, n);
    case DType::kQ8_1: return dot_f32_blocks<BlockQ8_1>(row, x, n);
    case DType::kQ2_K: return dot_f32_blocks<BlockQ2_K>(row, x, n);
    case DType::kQ3_K: return dot_f32_blocks<BlockQ3_K>(row, x, n);
    case DType::kQ4_K: return dot_f32_blocks<BlockQ4_K>(row, x, n);
    case DType::kQ5_K: return dot_f32_blocks<BlockQ5_K>(row, x, n);
    case DType::kQ6_K: return dot_f32_blocks<BlockQ6_K>(row, x, n);
    case DType::kQ8_K: return dot_f32_blocks<BlockQ8_K>(row, x, n);
    case DType::kIQ4_NL: return dot_f32_blocks<BlockIQ4_NL>(row, x, n);
    case DType::kIQ4_XS: return dot_f32_blocks<BlockIQ4_XS>(row, x, n);
    default: broken_call("dot_f32_ref", type, n);
  }
}

DType vec_dot_type(DType type) {
  switch (type) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL: return DType::kQ8_0;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kQ8_K:
    case DType::kIQ4_XS: return DType::kQ8_K;
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ8_1: return DType::kQ8_1;
    case DType::kF16:
    case DType::kBF16: return type;
    default: return DType::kF32;
  }
}

float vec_dot_ref(DType type, const void* row, const void* act, int64_t n) {
  check_row("vec_dot_ref", type, n);
  switch (type) {
    case DType::kF32: return vec_dot_floats<DType::kF32>(row, act, n);
    case DType::kF16: return vec_dot_floats<DType::kF16>(row, act, n);
    case DType::kBF16: return vec_dot_floats<DType::kBF16>(row, act, n);
    case DType::kQ4_0: return vec_dot_blocks<BlockQ4_0, BlockQ8_0>(row, act, n);
    case DType::kQ4_1: return vec_dot_blocks<BlockQ4_1, BlockQ8_1>(row, act, n);
    case DType::kQ5_0: return vec_dot_blocks<BlockQ5_0, BlockQ8_0>(row, act, n);
    case DType::kQ5_1: return vec_dot_blocks<BlockQ5_1, BlockQ8_1>(row, act, n);
    case DType::kQ8_0: return vec_dot_blocks<BlockQ8_0, BlockQ8_0>(row, act, n);
    case DType::kQ8_1: return vec_dot_blocks<BlockQ8_1, BlockQ8_1>(row, act, n);
    case DType::kQ2_K: return vec_dot_blocks<BlockQ2_K, BlockQ8_K>(row, act, n);
    case DType::kQ3_K: return vec_dot_blocks<BlockQ3_K, BlockQ8_K>(row, act, n);
    case DType::kQ4_K: return vec_dot_blocks<BlockQ4_K, BlockQ8_K>(row, act, n);
    case DType::kQ5_K: return vec_dot_blocks<BlockQ5_K, BlockQ8_K>(row, act, n);
    case DType::kQ6_K: return vec_dot_blocks<BlockQ6_K, BlockQ8_K>(row, act, n);
    case DType::kQ8_K: return vec_dot_blocks<BlockQ8_K, BlockQ8_K>(row, act, n);
    case DType::kIQ4_NL: return vec_dot_blocks<BlockIQ4_NL, BlockQ8_0>(row, act, n);
    case DType::kIQ4_XS: return vec_dot_blocks<BlockIQ4_XS, BlockQ8_K>(row, act, n);
    default: broken_call("vec_dot_ref", type, n);
  }
}

}  // namespace herd
