// Block layouts of the GGUF "legacy" quant types, byte for byte as GGUF stores them.
// Every multi-byte field is little-endian; `d`, `m` and `s` hold fp16 bit patterns.
// Blocks inside a tensor are packed back to back with no padding, so a block in a
// mapped file may sit at any even address: read one with std::memcpy into a local.
#pragma once

#include <bit>
#include <cstdint>

namespace herd {

// The fp16 fields are read as host uint16_t: herd runs on little-endian hosts only.
static_assert(std::endian::native == std::endian::little);

// Every type here stores 32 elements per block.
inline constexpr int kQuantBlockSize = 32;

// Q4_0, 18 bytes: [0,2) d | [2,18) qs.
// Element j (0..15) is the low nibble of qs[j], element j+16 its high nibble;
// value = (q - 8) * d.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1, 20 bytes: [0,2) d | [2,4) m | [4,20) qs.
// Nibble order as Q4_0; value = q * d + m.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0, 22 bytes: [0,2) d | [2,6) qh | [6,22) qs.
// The low four bits of element j / j+16 are the low / high nibble of qs[j]; the
// fifth bit of element k (0..31) is bit k of qh read as a little-endian uint32.
// value = (q - 16) * d.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1, 24 bytes: [0,2) d | [2,4) m | [4,8) qh | [8,24) qs.
// Bits as Q5_0; value = q * d + m.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0, 34 bytes: [0,2) d | [2,34) qs (int8, element j is qs[j]); value = q * d.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1, 36 bytes: [0,2) d | [2,4) s | [4,36) qs; value = q * d, and
// s = d * sum(qs) (with d before fp16 rounding), used by the Q4_1/Q5_1 dot products.
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_1) == 36);

// The 32 fifth bits of a Q5 block as one number (bit k belongs to element k).
inline uint32_t load_qh(const uint8_t (&qh)[4]) {
  return static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
         (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
}
inline void store_qh(uint32_t bits, uint8_t (&qh)[4]) {
  for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(bits >> (8 * i));
}

}  // namespace herd
