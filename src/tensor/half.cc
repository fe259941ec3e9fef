#include "tensor/half.h"

#include <array>
#include <bit>
#include <memory>

namespace herd {

float fp16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf, or NaN keeping its payload
  } else if (exp != 0) {
    bits = sign | ((exp + (127 - 15)) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal: shift the leading one up to the implicit-bit position.
    uint32_t e = 127 - 15 + 1;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t f32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) {
    if (a == 0x7f800000u) return sign | 0x7c00u;
    // NaN: keep the top payload bits and force the quiet bit so it never becomes inf.
    return static_cast<uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  }
  // 65520 is the midpoint between 65504 (max fp16, odd mantissa) and 65536: ties go up.
  if (a >= 0x477ff000u) return sign | 0x7c00u;
  if (a >= 0x38800000u) {  // >= 2^-14: normal fp16
    uint32_t h = (a >> 13) - ((127u - 15u) << 10);
    const uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right
    return static_cast<uint16_t>(sign | h);
  }
  // Subnormal fp16 (or zero): the result is round(|f| / 2^-24).
  const uint32_t e = a >> 23;
  if (e < 102) return sign;  // |f| < 2^-25 (and f32 subnormals): rounds to zero
  const uint32_t mant = (a & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - e;  // 14..24
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;  // q == 0x400 is the smallest normal
  return static_cast<uint16_t>(sign | q);
}

float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

uint16_t f32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN, even if the payload was low
  }
  const uint32_t rounded = x + 0x7fffu + ((x >> 16) & 1u);  // no overflow: |x| <= inf
  return static_cast<uint16_t>(rounded >> 16);
}

const float* fp16_table() {
  static const std::unique_ptr<std::array<float, 65536>> table = [] {
    auto t = std::make_unique<std::array<float, 65536>>();
    for (uint32_t h = 0; h < 65536; ++h) (*t)[h] = fp16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table->data();
}

}  // namespace herd
