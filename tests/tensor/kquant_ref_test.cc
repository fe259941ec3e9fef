#include "tensor/kquant_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant_test_util.h"
#include "tensor/half.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

using testing::dequantize_odd;
using testing::gaussian_row;
using testing::push_f32;
using testing::push_u16;
using testing::quantize;

constexpr int kQK = kQK_K;
constexpr uint16_t kHalf = 0x3800;     // 0.5 as fp16
constexpr uint16_t kQuarter = 0x3400;  // 0.25 as fp16

// ---- Known blocks, written byte by byte as a GGUF file stores them ----
// Scales are powers of two and codes small integers, so every value is exact.

TEST(KQuantRefTest, Q2_KKnownBlock) {
  std::vector<uint8_t> b;
  for (int s = 0; s < 16; ++s) b.push_back(static_cast<uint8_t>(s | ((15 - s) << 4)));
  for (int k = 0; k < 64; ++k) b.push_back(static_cast<uint8_t>(k * 37 + 11));
  push_u16(b, kHalf);     // d
  push_u16(b, kQuarter);  // dmin
  ASSERT_EQ(b.size(), sizeof(BlockQ2_K));
  const std::vector<float> y = dequantize_odd(DType::kQ2_K, b);
  // Walk the bytes in storage order: byte 32 h + l holds elements 128 h + 32 r + l.
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t byte = b[16 + 32 * h + l];
      for (int r = 0; r < 4; ++r) {
        const int e = 128 * h + 32 * r + l;
        const int q = (byte >> (2 * r)) & 3;
        const int s = e / 16;
        EXPECT_EQ(y[e], 0.5f * s * q - 0.25f * (15 - s)) << e;
      }
    }
  }
  // Element 33: byte 1 (37 + 11 = 48 = 0b00110000), bits 2..3 = 0; sub-block 2.
  EXPECT_EQ(y[33], -0.25f * 13);
  // Element 160: byte 32 (32 * 37 + 11 = 1195 -> 0xab), bits 2..3 = 2; sub-block 10.
  EXPECT_EQ(y[160], 0.5f * 10 * 2 - 0.25f * 5);
}

TEST(KQuantRefTest, Q3_KKnownBlock) {
  // Scale codes c_s = 24 + s (values -8..7), hmask and qs patterned.
  int code[16];
  for (int s = 0; s < 16; ++s) code[s] = 24 + s;
  std::vector<uint8_t> hmask(32), qs(64), scales(12, 0);
  for (int l = 0; l < 32; ++l) hmask[l] = static_cast<uint8_t>(l * 53 + 7);
  for (int k = 0; k < 64; ++k) qs[k] = static_cast<uint8_t>(k * 29 + 3);
  for (int s = 0; s < 16; ++s) {
    scales[s % 8] |= static_cast<uint8_t>((code[s] & 15) << (s < 8 ? 0 : 4));
    scales[8 + s % 4] |= static_cast<uint8_t>((code[s] >> 4) << (2 * (s / 4)));
  }
  std::vector<uint8_t> b = hmask;
  b.insert(b.end(), qs.begin(), qs.end());
  b.insert(b.end(), scales.begin(), scales.end());
  push_u16(b, kHalf);
  ASSERT_EQ(b.size(), sizeof(BlockQ3_K));
  const std::vector<float> y = dequantize_odd(DType::kQ3_K, b);
  for (int e = 0; e < kQK; ++e) {
    const int low = (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    const int high = (hmask[e % 32] >> (e / 32)) & 1;
    EXPECT_EQ(y[e], 0.5f * (code[e / 16] - 32) * (low + 4 * high - 4)) << e;
  }
  // Element 0: hmask[0] = 7 (bit 0 set), qs[0] = 3 -> code 7, value 3; scale -8.
  EXPECT_EQ(y[0], 0.5f * -8 * 3);
}

// Packs 6-bit scale and min codes of Q4_K/Q5_K as their layout comment describes.
std::vector<uint8_t> pack_k4_scales(const int* sc, const int* m) {
  std::vector<uint8_t> q(12, 0);
  for (int s = 0; s < 4; ++s) {
    q[s] = static_cast<uint8_t>(sc[s] | ((sc[s + 4] >> 4) << 6));
    q[s + 4] = static_cast<uint8_t>(m[s] | ((m[s + 4] >> 4) << 6));
    q[s + 8] = static_cast<uint8_t>((sc[s + 4] & 15) | ((m[s + 4] & 15) << 4));
  }
  return q;
}

TEST(KQuantRefTest, Q4_KAndQ5_KKnownBlocks) {
  int sc[8], m[8];
  for (int s = 0; s < 8; ++s) {
    sc[s] = 63 - 7 * s;  // 63, 56, ..., 14: every bit position used
    m[s] = 5 + 8 * s;    // 5, 13, ..., 61
  }
  const std::vector<uint8_t> scales = pack_k4_scales(sc, m);
  std::vector<uint8_t> qh(32), qs(128);
  for (int l = 0; l < 32; ++l) qh[l] = static_cast<uint8_t>(l * 71 + 5);
  for (int k = 0; k < 128; ++k) qs[k] = static_cast<uint8_t>(k * 19 + 1);

  std::vector<uint8_t> b4;
  push_u16(b4, kHalf);
  push_u16(b4, kQuarter);
  b4.insert(b4.end(), scales.begin(), scales.end());
  b4.insert(b4.end(), qs.begin(), qs.end());
  ASSERT_EQ(b4.size(), sizeof(BlockQ4_K));
  std::vector<uint8_t> b5;
  push_u16(b5, kHalf);
  push_u16(b5, kQuarter);
  b5.insert(b5.end(), scales.begin(), scales.end());
  b5.insert(b5.end(), qh.begin(), qh.end());
  b5.insert(b5.end(), qs.begin(), qs.end());
  ASSERT_EQ(b5.size(), sizeof(BlockQ5_K));

  const std::vector<float> y4 = dequantize_odd(DType::kQ4_K, b4);
  const std::vector<float> y5 = dequantize_odd(DType::kQ5_K, b5);
  for (int e = 0; e < kQK; ++e) {
    const int s = e / 32;
    const int low = (qs[32 * (e / 64) + e % 32] >> (4 * ((e % 64) / 32))) & 15;
    const int high = (qh[e % 32] >> (e / 32)) & 1;
    EXPECT_EQ(y4[e], 0.5f * sc[s] * low - 0.25f * m[s]) << e;
    EXPECT_EQ(y5[e], 0.5f * sc[s] * (low + 16 * high) - 0.25f * m[s]) << e;
  }
  // Element 32 is the high nibble of qs[0] = 1: 0; element 0 its low nibble: 1.
  EXPECT_EQ(y4[0], 0.5f * 63 - 0.25f * 5);
  EXPECT_EQ(y4[32], -0.25f * 13);
}

TEST(KQuantRefTest, Q6_KKnownBlock) {
  std::vector<uint8_t> ql(128), qh(64);
  for (int k = 0; k < 128; ++k) ql[k] = static_cast<uint8_t>(k * 41 + 9);
  for (int k = 0; k < 64; ++k) qh[k] = static_cast<uint8_t>(k * 23 + 100);
  int8_t scales[16];
  for (int s = 0; s < 16; ++s) scales[s] = static_cast<int8_t>(s % 2 ? -16 * s - 1 : 8 * s + 3);
  std::vector<uint8_t> b = ql;
  b.insert(b.end(), qh.begin(), qh.end());
  for (int8_t s : scales) b.push_back(static_cast<uint8_t>(s));
  push_u16(b, kQuarter);
  ASSERT_EQ(b.size(), sizeof(BlockQ6_K));
  const std::vector<float> y = dequantize_odd(DType::kQ6_K, b);
  // Storage order: for half h, lane l: ql[64h + l] holds rows 0 (low) and 2 (high),
  // ql[64h + 32 + l] rows 1 and 3, qh[32h + l] the top bits of rows 0..3.
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const int lows[4] = {ql[64 * h + l] & 15, ql[64 * h + 32 + l] & 15, ql[64 * h + l] >> 4,
                           ql[64 * h + 32 + l] >> 4};
      for (int r = 0; r < 4; ++r) {
        const int e = 128 * h + 32 * r + l;
        const int q = lows[r] | (((qh[32 * h + l] >> (2 * r)) & 3) << 4);
        EXPECT_EQ(y[e], 0.25f * scales[e / 16] * (q - 32)) << e;
      }
    }
  }
}

TEST(KQuantRefTest, Q8_KKnownBlock) {
  std::vector<uint8_t> b;
  push_f32(b, -0.375f);
  for (int e = 0; e < kQK; ++e) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(e - 128)));
  for (int k = 0; k < 16; ++k) push_u16(b, 0xffff);  // bsums: not used by dequantization
  ASSERT_EQ(b.size(), sizeof(BlockQ8_K));
  const std::vector<float> y = dequantize_odd(DType::kQ8_K, b);
  for (int e = 0; e < kQK; ++e) EXPECT_EQ(y[e], -0.375f * (e - 128)) << e;
}

TEST(KQuantRefTest, CodeAtFollowsDequantization) {
  const std::vector<float> x = gaussian_row(kQK, 3);
  BlockQ6_K b6;
  quantize_block(x.data(), &b6);
  float y[kQK];
  dequantize_block(b6, y);
  for (int e = 0; e < kQK; ++e) {
    EXPECT_EQ(y[e], fp16_to_f32(b6.d) * b6.scales[e / 16] * (code_at(b6, e) - 32)) << e;
  }
}

// ---- Dot products against Q8_K ----

BlockQ8_K activations_all(int8_t q, float d) {
  BlockQ8_K a;
  a.d = d;
  for (int8_t& v : a.qs) v = q;
  for (int16_t& s : a.bsums) s = static_cast<int16_t>(16 * q);
  return a;
}

TEST(KQuantRefTest, KnownVecDots) {
  const BlockQ8_K a = activations_all(2, 0.5f);  // every activation is 1

  BlockQ2_K w2{};
  for (int s = 0; s < 16; ++s) w2.scales[s] = static_cast<uint8_t>(1 | (2 << 4));
  std::memset(w2.qs, 0xff, sizeof(w2.qs));  // every code 3
  w2.d = f32_to_fp16(1.0f);
  w2.dmin = f32_to_fp16(0.5f);
  // Each element 1 * 1 * 3 - 0.5 * 2 = 2, 256 of them.
  EXPECT_EQ(vec_dot_block(w2, a), 512.0f);

  BlockQ6_K w6{};
  std::memset(w6.ql, 0x00, sizeof(w6.ql));
  std::memset(w6.qh, 0xff, sizeof(w6.qh));  // every code 48: value 16
  for (int8_t& s : w6.scales) s = -3;
  w6.d = f32_to_fp16(0.25f);
  EXPECT_EQ(vec_dot_block(w6, a), 256 * 0.25f * -3 * 16);

  BlockQ8_K w8 = activations_all(-5, 2.0f);
  EXPECT_EQ(vec_dot_block(w8, a), 256 * -10.0f);
}

// vec_dot_block is an exact integer sum scaled at the end; the dequantized dot rounds
// each element. Both are within a few units of roundoff of sum |w a| (plus, for the
// offset types, of the min terms that cancel inside each element).
template <typename Block>
void expect_vec_dot_near_dequantized(DType type, uint32_t seed) {
  const std::vector<float> w = gaussian_row(kQK, seed);
  const std::vector<float> x = gaussian_row(kQK, seed + 1000, 3.0f);
  Block b;
  quantize_block(w.data(), &b);
  BlockQ8_K a;
  quantize_block(x.data(), &a);
  float wd[kQK], ad[kQK];
  dequantize_block(b, wd);
  dequantize_block(a, ad);
  // The element values with all codes zero are the subtracted mins.
  Block zero_codes = b;
  std::vector<float> mins(kQK, 0.0f);
  if (type == DType::kQ2_K || type == DType::kQ4_K || type == DType::kQ5_K) {
    // The codes (and Q5_K's fifth bits) start at byte 16 in all three layouts.
    const size_t codes_end = type == DType::kQ2_K ? 80 : sizeof(Block);
    std::memset(reinterpret_cast<uint8_t*>(&zero_codes) + 16, 0, codes_end - 16);
    dequantize_block(zero_codes, mins.data());
  }
  double exact = 0, mag = 0;
  for (int e = 0; e < kQK; ++e) {
    exact += static_cast<double>(wd[e]) * ad[e];
    mag += (std::fabs(wd[e]) + 2 * std::fabs(mins[e])) * std::fabs(ad[e]);
  }
  EXPECT_NEAR(vec_dot_block(b, a), exact, 8 * 0x1p-24 * mag) << dtype_name(type) << " " << seed;
}

TEST(KQuantRefTest, VecDotMatchesDequantizedDot) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    expect_vec_dot_near_dequantized<BlockQ2_K>(DType::kQ2_K, seed);
    expect_vec_dot_near_dequantized<BlockQ3_K>(DType::kQ3_K, seed);
    expect_vec_dot_near_dequantized<BlockQ4_K>(DType::kQ4_K, seed);
    expect_vec_dot_near_dequantized<BlockQ5_K>(DType::kQ5_K, seed);
    expect_vec_dot_near_dequantized<BlockQ6_K>(DType::kQ6_K, seed);
    expect_vec_dot_near_dequantized<BlockQ8_K>(DType::kQ8_K, seed);
  }
}

}  // namespace
}  // namespace herd
