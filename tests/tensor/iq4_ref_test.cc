#include "tensor/iq4_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "quant_test_util.h"
#include "tensor/half.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

using testing::block_at;
using testing::dequantize;
using testing::dequantize_odd;
using testing::gaussian_row;
using testing::push_u16;
using testing::quantize;

TEST(IQ4RefTest, CodebookIsAscending) {
  for (int i = 1; i < 16; ++i) EXPECT_LT(kIQ4Values[i - 1], kIQ4Values[i]);
  EXPECT_EQ(kIQ4Values[0], -127);
  EXPECT_EQ(kIQ4Values[15], 113);
}

TEST(IQ4RefTest, IQ4_NLKnownBlock) {
  std::vector<uint8_t> b;
  push_u16(b, 0x3800);  // d = 0.5
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  ASSERT_EQ(b.size(), sizeof(BlockIQ4_NL));
  const std::vector<float> y = dequantize_odd(DType::kIQ4_NL, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * kIQ4Values[j]) << j;
    EXPECT_EQ(y[j + 16], 0.5f * kIQ4Values[15 - j]) << j;
  }
  EXPECT_EQ(y[0], -63.5f);
  EXPECT_EQ(y[16], 56.5f);
}

TEST(IQ4RefTest, IQ4_XSKnownBlock) {
  // Sub-block scale codes c_s = 30 + 4 s (values -2, 2, ..., 26): low nibbles in
  // scales_l, top two bits in scales_h.
  int code[8];
  uint16_t scales_h = 0;
  uint8_t scales_l[4] = {};
  for (int s = 0; s < 8; ++s) {
    code[s] = 30 + 4 * s;
    scales_l[s / 2] |= static_cast<uint8_t>((code[s] & 15) << (4 * (s % 2)));
    scales_h |= static_cast<uint16_t>((code[s] >> 4) << (2 * s));
  }
  std::vector<uint8_t> b;
  push_u16(b, 0x3400);  // d = 0.25
  push_u16(b, scales_h);
  b.insert(b.end(), scales_l, scales_l + 4);
  for (int k = 0; k < 128; ++k) b.push_back(static_cast<uint8_t>(k * 13 + 5));
  ASSERT_EQ(b.size(), sizeof(BlockIQ4_XS));
  const std::vector<float> y = dequantize_odd(DType::kIQ4_XS, b);
  for (int s = 0; s < 8; ++s) {
    for (int j = 0; j < 16; ++j) {
      const uint8_t byte = b[8 + 16 * s + j];
      const float dl = 0.25f * (code[s] - 32);
      EXPECT_EQ(y[32 * s + j], dl * kIQ4Values[byte & 15]) << s << " " << j;
      EXPECT_EQ(y[32 * s + j + 16], dl * kIQ4Values[byte >> 4]) << s << " " << j;
    }
  }
}

TEST(IQ4RefTest, KnownVecDots) {
  BlockIQ4_NL w{f32_to_fp16(0.5f), {}};
  std::memset(w.qs, 0x0f, sizeof(w.qs));  // low nibbles 15 (113), high nibbles 0 (-127)
  BlockQ8_0 a{f32_to_fp16(2.0f), {}};
  for (int j = 0; j < 32; ++j) a.qs[j] = 1;
  EXPECT_EQ(vec_dot_block(w, a), 0.5f * 2.0f * (16 * 113 - 16 * 127));

  BlockIQ4_XS x{};
  x.d = f32_to_fp16(0.25f);
  x.scales_h = 0xaaaa;  // every code's top bits 2: code 32 + low nibble
  std::memset(x.scales_l, 0x11, sizeof(x.scales_l));  // low nibbles 1: every value 1
  std::memset(x.qs, 0x88, sizeof(x.qs));              // every level 1
  BlockQ8_K a8{};
  a8.d = 4.0f;
  for (int8_t& q : a8.qs) q = -3;
  EXPECT_EQ(vec_dot_block(x, a8), 0.25f * 4.0f * 256 * -3);
}

TEST(IQ4RefTest, GaussianRoundTripError) {
  // Measured on 65536 N(0, 1) values: relative RMS 0.076 / 0.077 and largest error
  // 0.30 / 0.29 for IQ4_NL / IQ4_XS; both beat Q4_0 (0.086 / 0.38).
  constexpr int64_t n = 32 * 256;
  for (uint32_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> x = gaussian_row(n, 70 + seed);
    for (DType type : {DType::kIQ4_NL, DType::kIQ4_XS, DType::kQ4_0}) {
      const std::vector<float> y = dequantize(type, quantize(type, x), n);
      double e2 = 0, x2 = 0, emax = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double e = static_cast<double>(y[i]) - x[i];
        e2 += e * e;
        x2 += static_cast<double>(x[i]) * x[i];
        emax = std::max(emax, std::fabs(e));
      }
      const double rms = std::sqrt(e2 / x2);
      if (type == DType::kQ4_0) {
        EXPECT_GT(rms, 0.083) << seed;
      } else {
        EXPECT_LT(rms, 0.081) << dtype_name(type) << " seed " << seed;
        EXPECT_LT(emax, 0.36) << dtype_name(type) << " seed " << seed;
      }
    }
  }
}

TEST(IQ4RefTest, ZeroBlocks) {
  const std::vector<float> x(256, 0.0f);
  for (DType type : {DType::kIQ4_NL, DType::kIQ4_XS}) {
    for (float v : dequantize(type, quantize(type, x), 256)) EXPECT_EQ(v, 0.0f);
  }
  // GGML's bytes: d = 0 and every index 8 (the level nearest 0); IQ4_XS stores d = -0.
  const auto nl = block_at<BlockIQ4_NL>(quantize(DType::kIQ4_NL, x), 0);
  EXPECT_EQ(nl.d, 0);
  for (uint8_t q : nl.qs) EXPECT_EQ(q, 0x88);
  const auto xs = block_at<BlockIQ4_XS>(quantize(DType::kIQ4_XS, x), 0);
  EXPECT_EQ(xs.d, 0x8000);
  for (uint8_t q : xs.qs) EXPECT_EQ(q, 0x88);
}

// Every level times a scale round-trips exactly (IQ4_NL: d = 0.5, on fp16's grid).
TEST(IQ4RefTest, LevelsRoundTripExactly) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = 0.5f * kIQ4Values[(j * 5) % 16];
  EXPECT_EQ(dequantize(DType::kIQ4_NL, quantize(DType::kIQ4_NL, x), 32), x);
}

TEST(IQ4RefTest, NonFiniteInputStaysInItsBlock) {
  const std::vector<float> good = gaussian_row(256, 80);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::max()}) {
    std::vector<float> x = gaussian_row(512, 81);
    x[3] = bad;
    std::copy(good.begin(), good.end(), x.begin() + 256);
    for (DType type : {DType::kIQ4_NL, DType::kIQ4_XS}) {
      const std::vector<uint8_t> q = quantize(type, x);
      EXPECT_EQ(q, quantize(type, x));
      const std::vector<uint8_t> alone = quantize(type, good);
      const size_t half = q.size() / 2;
      EXPECT_EQ(std::memcmp(q.data() + half, alone.data(), half), 0) << dtype_name(type);
      (void)dequantize(type, q, 512);
    }
  }
}

// The integer dot products against Q8_0 / Q8_K agree with the dequantized dot to a few
// units of roundoff of sum |w a|.
TEST(IQ4RefTest, VecDotMatchesDequantizedDot) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const std::vector<float> w = gaussian_row(256, 90 + seed);
    const std::vector<float> a = gaussian_row(256, 190 + seed, 3.0f);
    for (DType type : {DType::kIQ4_NL, DType::kIQ4_XS}) {
      const DType at = vec_dot_type(type);
      const std::vector<uint8_t> wq = quantize(type, w);
      const std::vector<uint8_t> aq = quantize(at, a);
      const std::vector<float> wd = dequantize(type, wq, 256);
      const std::vector<float> ad = dequantize(at, aq, 256);
      double exact = 0, mag = 0;
      for (int i = 0; i < 256; ++i) {
        exact += static_cast<double>(wd[i]) * ad[i];
        mag += std::fabs(static_cast<double>(wd[i]) * ad[i]);
      }
      EXPECT_NEAR(vec_dot_ref(type, wq.data(), aq.data(), 256), exact, 16 * 0x1p-24 * mag)
          << dtype_name(type) << " " << seed;
    }
  }
}

}  // namespace
}  // namespace herd
