// Helpers shared by the tensor tests: deterministic random rows and whole-row
// quantize / dequantize through the public reference API.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/quant_ref.h"

namespace herd::testing {

inline constexpr DType kRefTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16,
                                      DType::kQ4_0, DType::kQ4_1, DType::kQ5_0,
                                      DType::kQ5_1, DType::kQ8_0, DType::kQ8_1};

// The super-block (256-element) K-quant types and the IQ4 types.
inline constexpr DType kKRefTypes[] = {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,   DType::kQ5_K,
                                       DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS};

inline std::vector<float> gaussian_row(int64_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::vector<float> uniform_row(int64_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

inline size_t row_bytes(DType type, int64_t n) {
  return static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(n)));
}

inline std::vector<uint8_t> quantize(DType type, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(type, n));
  quantize_row_ref(type, x.data(), q.data(), n);
  return q;
}

inline std::vector<float> dequantize(DType type, const std::vector<uint8_t>& q, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  dequantize_row_ref(type, q.data(), y.data(), n);
  return y;
}

// Dequantizes whole blocks given as raw bytes, placed at an odd address on purpose.
inline std::vector<float> dequantize_odd(DType type, const std::vector<uint8_t>& bytes) {
  const DTypeInfo& info = dtype_info(type);
  const int64_t n = static_cast<int64_t>(bytes.size() / info.block_bytes) * info.block_size;
  std::vector<uint8_t> buf(bytes.size() + 1);
  std::memcpy(buf.data() + 1, bytes.data(), bytes.size());
  std::vector<float> y(static_cast<size_t>(n));
  dequantize_row_ref(type, buf.data() + 1, y.data(), n);
  return y;
}

// Appends a little-endian fp16 or float field to a byte vector.
inline void push_u16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v & 0xff));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
inline void push_f32(std::vector<uint8_t>& b, float f) {
  uint8_t bytes[4];
  std::memcpy(bytes, &f, 4);
  b.insert(b.end(), bytes, bytes + 4);
}

// Block i of a quantized row, copied out (rows are byte buffers, blocks unaligned).
template <typename Block>
Block block_at(const std::vector<uint8_t>& q, int64_t i) {
  Block b;
  std::memcpy(&b, q.data() + static_cast<size_t>(i) * sizeof(Block), sizeof(Block));
  return b;
}

}  // namespace herd::testing
