// Block layouts of the GGUF K-quant types (256-element super-blocks) and the IQ4
// non-linear types, byte for byte as GGUF stores them. As in quant_blocks.h: fields
// are little-endian, `d`/`dmin` are fp16 bit patterns (Q8_K's d is a float32), and a
// block in a mapped file may sit at any address, so read one with std::memcpy.
//
// Bit placement shared by several types, for element e (0..255) of a super-block:
// * "2-bit planes" (Q2_K, Q3_K low bits): byte qs[32 * (e / 128) + e % 32], bits
//   2 * ((e % 128) / 32) and up.
// * "nibble pairs" (Q4_K, Q5_K low bits, IQ4_XS): byte qs[32 * (e / 64) + e % 32]
//   (IQ4_XS: qs[16 * (e / 32) + e % 16]), low nibble for the first half of each
//   pair of runs, high nibble for the second.
// * "bit columns" (Q3_K hmask, Q5_K qh): bit e / 32 of byte [e % 32].
#pragma once

#include <cstdint>

#include "tensor/quant_blocks.h"

namespace herd {

// Elements per super-block of every K-quant type and IQ4_XS.
inline constexpr int kQK_K = 256;

// Elements per block of a block struct (kQuantBlockSize unless specialised below).
template <typename Block>
inline constexpr int kBlockElems = kQuantBlockSize;

// Q2_K, 84 bytes: [0,16) scales | [16,80) qs | [80,82) d | [82,84) dmin.
// 16 sub-blocks of 16: scales[s] low nibble = scale code, high nibble = min code.
// qs: 2-bit planes. value = d * (scales[s] & 15) * q - dmin * (scales[s] >> 4).
struct BlockQ2_K {
  uint8_t scales[16];
  uint8_t qs[64];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K, 110 bytes: [0,32) hmask | [32,96) qs | [96,108) scales | [108,110) d.
// 16 sub-blocks of 16 with 6-bit scale codes c (see q3k_scale): low 4 bits of code s
// in scales[s % 8] (low nibble for s < 8, high nibble otherwise), high 2 bits in
// scales[8 + s % 4] at bit 2 * (s / 4). Low 2 bits of each quant: 2-bit planes; the
// third bit: bit columns of hmask. value = d * (c - 32) * (q - 4), q in 0..7.
struct BlockQ3_K {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// Q4_K, 144 bytes: [0,2) d | [2,4) dmin | [4,16) scales | [16,144) qs.
// 8 sub-blocks of 32 with 6-bit scale and min codes (see k4_scale_min). qs: nibble
// pairs. value = d * sc * q - dmin * m.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K, 176 bytes: [0,2) d | [2,4) dmin | [4,16) scales | [16,48) qh | [48,176) qs.
// As Q4_K, plus a fifth bit per quant in the bit columns of qh.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K, 210 bytes: [0,128) ql | [128,192) qh | [192,208) scales (int8) | [208,210) d.
// Element e = 128 * h + 32 * r + l (h 0..1, r 0..3, l 0..31): low 4 bits in
// ql[64 * h + 32 * (r % 2) + l] (low nibble for r < 2), high 2 bits in
// qh[32 * h + l] at bit 2 * r. Sub-block of 16: scales[e / 16].
// value = d * scales[e / 16] * (q - 32), q in 0..63.
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K, 292 bytes: [0,4) d (float32) | [4,260) qs (int8) | [260,292) bsums (int16).
// value = d * qs[e]; bsums[k] = sum of qs[16k .. 16k+15]. Activations only.
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// IQ4_NL, 18 bytes per 32: [0,2) d | [2,18) qs. Nibble order as Q4_0;
// value = d * kIQ4Values[q].
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[16];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// IQ4_XS, 136 bytes: [0,2) d | [2,4) scales_h | [4,8) scales_l | [8,136) qs.
// 8 sub-blocks of 32 with 6-bit codes c: low 4 bits in scales_l[s / 2] (low nibble
// for even s), high 2 bits in scales_h at bit 2 * s. qs[16 * s .. 16 * s + 15] hold
// sub-block s in Q4_0 nibble order. value = d * (c - 32) * kIQ4Values[q].
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[4];
  uint8_t qs[128];
};
static_assert(sizeof(BlockIQ4_XS) == 136);

template <>
inline constexpr int kBlockElems<BlockQ2_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockQ3_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockQ4_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockQ5_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockQ6_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockQ8_K> = kQK_K;
template <>
inline constexpr int kBlockElems<BlockIQ4_XS> = kQK_K;

// The 16 levels of IQ4_NL / IQ4_XS, denser near zero (the GGML codebook).
inline constexpr int8_t kIQ4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

// The 6-bit scale code of Q3_K sub-block s (0..15), 0..63 (the value is code - 32).
inline int q3k_scale(const uint8_t (&scales)[12], int s) {
  const int low = s < 8 ? (scales[s] & 0x0f) : (scales[s - 8] >> 4);
  const int high = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
  return low | (high << 4);
}

// The 6-bit scale and min codes of Q4_K/Q5_K sub-block s (0..7): codes 0..3 sit in the
// low 6 bits of bytes s (scale) and s + 4 (min); codes 4..7 keep their low nibbles in
// byte s + 4 (scale low, min high) and their top 2 bits in the spare top bits of
// bytes s - 4 (scale) and s (min).
inline void k4_scale_min(const uint8_t (&q)[12], int s, int* sc, int* m) {
  if (s < 4) {
    *sc = q[s] & 63;
    *m = q[s + 4] & 63;
  } else {
    *sc = (q[s + 4] & 0x0f) | ((q[s - 4] >> 6) << 4);
    *m = (q[s + 4] >> 4) | ((q[s] >> 6) << 4);
  }
}

// The 6-bit scale code of IQ4_XS sub-block s (0..7), 0..63 (the value is code - 32).
inline int iq4xs_scale(const BlockIQ4_XS& b, int s) {
  const int low = (b.scales_l[s / 2] >> (4 * (s % 2))) & 0x0f;
  const int high = (b.scales_h >> (2 * s)) & 3;
  return low | (high << 4);
}

}  // namespace herd
