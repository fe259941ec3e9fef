#include "tensor/quant_block_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant_test_util.h"
#include "tensor/half.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

using testing::block_at;
using testing::dequantize;
using testing::gaussian_row;
using testing::quantize;
using testing::uniform_row;

constexpr int kQK = kQuantBlockSize;

// Dequantizes one block given as raw bytes, placed at an odd address on purpose.
std::vector<float> dequantize_bytes(DType type, const std::vector<uint8_t>& block) {
  std::vector<uint8_t> buf(block.size() + 1);
  std::copy(block.begin(), block.end(), buf.begin() + 1);
  std::vector<float> y(kQK);
  dequantize_row_ref(type, buf.data() + 1, y.data(), kQK);
  return y;
}

// ---- Known blocks, written byte by byte as a GGUF file stores them ----

TEST(QuantBlockRefTest, Q4_0KnownBlock) {
  std::vector<uint8_t> b = {0x00, 0x38};  // d = 0.5
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  ASSERT_EQ(b.size(), sizeof(BlockQ4_0));
  const std::vector<float> y = dequantize_bytes(DType::kQ4_0, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;
    EXPECT_EQ(y[j + 16], (7 - j) * 0.5f) << j;
  }
}

TEST(QuantBlockRefTest, Q4_1KnownBlock) {
  std::vector<uint8_t> b = {0x00, 0x34, 0x00, 0xbc};  // d = 0.25, m = -1
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>((15 - j) | (j << 4)));
  ASSERT_EQ(b.size(), sizeof(BlockQ4_1));
  const std::vector<float> y = dequantize_bytes(DType::kQ4_1, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (15 - j) * 0.25f - 1.0f) << j;
    EXPECT_EQ(y[j + 16], j * 0.25f - 1.0f) << j;
  }
}

TEST(QuantBlockRefTest, Q5_0KnownBlock) {
  // d = 2; qh = 0x80f0000f: fifth bit set on elements 0-3, 20-23 and 31.
  std::vector<uint8_t> b = {0x00, 0x40, 0x0f, 0x00, 0xf0, 0x80};
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  ASSERT_EQ(b.size(), sizeof(BlockQ5_0));
  const std::vector<float> y = dequantize_bytes(DType::kQ5_0, b);
  for (int k = 0; k < kQK; ++k) {
    const int low = k < 16 ? k : 15 - (k - 16);
    const bool fifth = k < 4 || (k >= 20 && k < 24) || k == 31;
    EXPECT_EQ(y[k], static_cast<float>(low + (fifth ? 16 : 0) - 16) * 2.0f) << k;
  }
}

TEST(QuantBlockRefTest, Q5_1KnownBlock) {
  // d = 0.5, m = 3; fifth bit set on elements 0-15; every nibble pair is (10, 5).
  std::vector<uint8_t> b = {0x00, 0x38, 0x00, 0x42, 0xff, 0xff, 0x00, 0x00};
  for (int j = 0; j < 16; ++j) b.push_back(0x5a);
  ASSERT_EQ(b.size(), sizeof(BlockQ5_1));
  const std::vector<float> y = dequantize_bytes(DType::kQ5_1, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 26 * 0.5f + 3.0f) << j;
    EXPECT_EQ(y[j + 16], 5 * 0.5f + 3.0f) << j;
  }
}

TEST(QuantBlockRefTest, Q8_0KnownBlock) {
  std::vector<uint8_t> b = {0x00, 0x30};  // d = 0.125
  for (int j = 0; j < kQK; ++j) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(j * 8 - 128)));
  ASSERT_EQ(b.size(), sizeof(BlockQ8_0));
  const std::vector<float> y = dequantize_bytes(DType::kQ8_0, b);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(y[j], static_cast<float>(j - 16)) << j;
}

TEST(QuantBlockRefTest, Q8_1KnownBlock) {
  std::vector<uint8_t> b = {0x00, 0xc0, 0x00, 0x00};  // d = -2, s unused by dequantization
  for (int j = 0; j < kQK; ++j) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(j - 16)));
  ASSERT_EQ(b.size(), sizeof(BlockQ8_1));
  const std::vector<float> y = dequantize_bytes(DType::kQ8_1, b);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(y[j], (j - 16) * -2.0f) << j;
}

TEST(QuantBlockRefTest, Q5BitLayoutOfQuantizedBlock) {
  // Codes 0..31 in order (d = -0.5 from the largest magnitude, -8 at element 0).
  float x[kQK];
  for (int k = 0; k < kQK; ++k) x[k] = (k - 16) * -0.5f;
  BlockQ5_0 b;
  quantize_block(x, &b);
  EXPECT_EQ(b.d, f32_to_fp16(-0.5f));
  // Element k stores code k: fifth bits set exactly for k >= 16.
  EXPECT_EQ(load_qh(b.qh), 0xffff0000u);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(b.qs[j], j | (j << 4)) << j;
}

// ---- Block dot products on hand-made blocks (small integers: exact in float) ----

TEST(QuantBlockRefTest, KnownVecDotBlocks) {
  BlockQ8_0 a0{f32_to_fp16(2.0f), {}};
  BlockQ8_1 a1{f32_to_fp16(2.0f), f32_to_fp16(2.0f * 32), {}};
  for (int j = 0; j < kQK; ++j) a0.qs[j] = a1.qs[j] = 1;  // every activation is 2

  BlockQ4_0 w40{f32_to_fp16(0.5f), {}};
  for (int j = 0; j < 16; ++j) w40.qs[j] = static_cast<uint8_t>(j | (15 << 4));
  // codes 0..15 then 15 x 16: sum(q - 8) = (120 - 128) + (7 * 16) = 104
  EXPECT_EQ(vec_dot_block(w40, a0), 104 * 0.5f * 2.0f);

  BlockQ4_1 w41{f32_to_fp16(0.25f), f32_to_fp16(-1.0f), {}};
  for (int j = 0; j < 16; ++j) w41.qs[j] = static_cast<uint8_t>(j | (j << 4));
  // sum(q) = 240: 0.25 * 2 * 240 - 1 * 64
  EXPECT_EQ(vec_dot_block(w41, a1), 0.25f * 2.0f * 240 - 64.0f);

  // Every fifth bit set, low nibbles 1, high nibbles 2: codes 17 and 18.
  BlockQ5_0 w50{f32_to_fp16(1.0f), {0xff, 0xff, 0xff, 0xff}, {}};
  for (int j = 0; j < 16; ++j) w50.qs[j] = 0x21;
  EXPECT_EQ(vec_dot_block(w50, a0), (16 * 1 + 16 * 2) * 2.0f);

  BlockQ5_1 w51{f32_to_fp16(1.0f), f32_to_fp16(0.5f), {0x00, 0x00, 0x01, 0x00}, {}};
  // all codes 0 except element 16, whose fifth bit makes it 16: 2 * 16 + 0.5 * 64
  EXPECT_EQ(vec_dot_block(w51, a1), 2.0f * 16 + 0.5f * 64);

  BlockQ8_0 w80{f32_to_fp16(0.5f), {}};
  for (int j = 0; j < kQK; ++j) w80.qs[j] = static_cast<int8_t>(j - 16);
  EXPECT_EQ(vec_dot_block(w80, a0), -16 * 0.5f * 2.0f);

  BlockQ8_1 w81{f32_to_fp16(-1.0f), 0, {}};
  for (int j = 0; j < kQK; ++j) w81.qs[j] = static_cast<int8_t>(j == 0 ? -128 : 127);
  EXPECT_EQ(vec_dot_block(w81, a1), (-128 + 31 * 127) * -1.0f * 2.0f);
}

// ---- Exact round trips when the data sits on the grid ----

template <typename Block>
void expect_exact_round_trip(const float* x) {
  Block b;
  quantize_block(x, &b);
  float y[kQK];
  dequantize_block(b, y);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(y[j], x[j]) << j;
}

TEST(QuantBlockRefTest, GridValuesRoundTripExactly) {
  float x[kQK];
  for (int j = 0; j < kQK; ++j) x[j] = ((j * 7) % 16 - 8) * 0.5f;  // includes -4 = 8 * d
  expect_exact_round_trip<BlockQ4_0>(x);
  for (int j = 0; j < kQK; ++j) x[j] = ((j * 5) % 16) * 0.25f - 1.0f;
  expect_exact_round_trip<BlockQ4_1>(x);
  for (int j = 0; j < kQK; ++j) x[j] = ((j * 7) % 32 - 16) * 0.5f;
  expect_exact_round_trip<BlockQ5_0>(x);
  for (int j = 0; j < kQK; ++j) x[j] = ((j * 5) % 32) * 0.125f - 2.0f;
  expect_exact_round_trip<BlockQ5_1>(x);
  for (int j = 0; j < kQK; ++j) x[j] = ((j * 37) % 255 - 127) * 0.25f;
  x[3] = 127 * 0.25f;  // amax on the grid: d = 0.25
  expect_exact_round_trip<BlockQ8_0>(x);
  expect_exact_round_trip<BlockQ8_1>(x);
}

TEST(QuantBlockRefTest, Q4_0ClampsTheOppositeEnd) {
  // d = max / -8 = -1: +8 maps to code 0, but -8 would need code 16 and is clamped to 15.
  float x[kQK] = {8.0f, -8.0f, 0.5f, -0.5f, 1.49f};
  BlockQ4_0 b;
  quantize_block(x, &b);
  float y[kQK];
  dequantize_block(b, y);
  EXPECT_EQ(y[0], 8.0f);
  EXPECT_EQ(y[1], -7.0f);
  // Codes are trunc(x / d + 8.5): a tie of x / d goes to the larger code.
  EXPECT_EQ(y[2], 0.0f);   // x / d = -0.5: code 8
  EXPECT_EQ(y[3], -1.0f);  // x / d = 0.5: code 9
  EXPECT_EQ(y[4], 1.0f);   // x / d = -1.49: code 7
}

TEST(QuantBlockRefTest, Q8_1StoresScaledSum) {
  const std::vector<float> x = gaussian_row(kQK, 7);
  BlockQ8_1 b;
  quantize_block(x.data(), &b);
  int sum = 0;
  for (int j = 0; j < kQK; ++j) sum += b.qs[j];
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  EXPECT_EQ(b.s, f32_to_fp16(static_cast<float>(sum) * (amax / 127.0f)));
  BlockQ8_0 b0;
  quantize_block(x.data(), &b0);
  EXPECT_EQ(b0.d, b.d);
  for (int j = 0; j < kQK; ++j) EXPECT_EQ(b0.qs[j], b.qs[j]);
}

// ---- Special blocks ----

TEST(QuantBlockRefTest, ZeroBlocksDequantizeToZero) {
  const std::vector<float> zeros(4 * kQK, 0.0f);
  for (DType type : testing::kRefTypes) {
    const std::vector<float> y = dequantize(type, quantize(type, zeros), 4 * kQK);
    for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(type);
  }
}

TEST(QuantBlockRefTest, ConstantBlocks) {
  const std::vector<float> c(kQK, 3.0f);
  // Offset types store a constant exactly as m with d = 0.
  EXPECT_EQ(dequantize(DType::kQ4_1, quantize(DType::kQ4_1, c), kQK), c);
  EXPECT_EQ(dequantize(DType::kQ5_1, quantize(DType::kQ5_1, c), kQK), c);
  // 3 = -8 * d with d = -0.375 exact in fp16.
  EXPECT_EQ(dequantize(DType::kQ4_0, quantize(DType::kQ4_0, c), kQK), c);
  EXPECT_EQ(dequantize(DType::kQ5_0, quantize(DType::kQ5_0, c), kQK), c);
}

TEST(QuantBlockRefTest, NonFiniteInputGivesSomeBlock) {
  // Garbage in, garbage out, but defined: nothing here may trip the sanitizers.
  float x[kQK];
  for (int j = 0; j < kQK; ++j) x[j] = static_cast<float>(j);
  x[1] = std::numeric_limits<float>::infinity();
  x[2] = -std::numeric_limits<float>::infinity();
  x[3] = std::numeric_limits<float>::quiet_NaN();
  float y[kQK];
  BlockQ4_0 a;
  BlockQ4_1 b;
  BlockQ5_0 c;
  BlockQ5_1 d;
  BlockQ8_0 e;
  BlockQ8_1 f;
  for (int round = 0; round < 2; ++round) {
    quantize_block(x, &a);
    dequantize_block(a, y);
    quantize_block(x, &b);
    dequantize_block(b, y);
    quantize_block(x, &c);
    dequantize_block(c, y);
    quantize_block(x, &d);
    dequantize_block(d, y);
    quantize_block(x, &e);
    dequantize_block(e, y);
    quantize_block(x, &f);
    dequantize_block(f, y);
    for (int j = 0; j < kQK; ++j) x[j] = std::numeric_limits<float>::quiet_NaN();
  }
  SUCCEED();
}

// ---- Error bounds on random data ----

// The scale the quantizer computes from a block, before fp16 rounding, and the grid.
struct Scale {
  float d;        // signed for Q4_0/Q5_0
  float min;      // offset types: the block minimum
  int low_steps;  // steps on the clamped side (8 / 16) for Q4_0/Q5_0
};

Scale exact_scale(DType type, const float* x) {
  float amax = 0, max = 0, lo = x[0], hi = x[0];
  for (int j = 0; j < kQK; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
  switch (type) {
    case DType::kQ4_0:
      return {max / -8.0f, 0.0f, 8};
    case DType::kQ5_0:
      return {max / -16.0f, 0.0f, 16};
    case DType::kQ4_1:
      return {(hi - lo) / 15.0f, lo, 0};
    case DType::kQ5_1:
      return {(hi - lo) / 31.0f, lo, 0};
    default:
      return {amax / 127.0f, 0.0f, 0};
  }
}

// Half a step of the exact scale, plus how far fp16-rounding d and m move a code's value
// (|code| <= 127), plus float slack. Q4_0/Q5_0 clamp one end to a full step.
void check_errors(DType type, const std::vector<float>& x, double* sq_err) {
  const auto n = static_cast<int64_t>(x.size());
  const std::vector<uint8_t> q = quantize(type, x);
  const std::vector<float> y = dequantize(type, q, n);
  const size_t bytes = dtype_info(type).block_bytes;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* xb = x.data() + i * kQK;
    const Scale s = exact_scale(type, xb);
    uint16_t d_bits, m_bits = 0;
    std::memcpy(&d_bits, q.data() + i * bytes, 2);
    const bool has_m = type == DType::kQ4_1 || type == DType::kQ5_1;
    if (has_m) std::memcpy(&m_bits, q.data() + i * bytes + 2, 2);
    const double d = std::fabs(s.d);
    const double d_err = std::fabs(static_cast<double>(fp16_to_f32(d_bits)) - s.d);
    const double m_err = has_m ? std::fabs(static_cast<double>(fp16_to_f32(m_bits)) - s.min) : 0.0;
    const double slack = 1e-4 * d + 1e-6 * std::fabs(s.min);
    for (int j = 0; j < kQK; ++j) {
      const double err = std::fabs(static_cast<double>(y[i * kQK + j]) - xb[j]);
      // Q4_0/Q5_0: an element that needs a code past the top (x near -max) is clamped.
      const bool clamped = s.low_steps > 0 && s.d != 0 && xb[j] / s.d > s.low_steps - 1 - 0.5;
      const double bound = (clamped ? 1.0 : 0.5) * d + 127 * d_err + m_err + slack;
      ASSERT_LE(err, bound) << dtype_name(type) << " block " << i << " element " << j
                            << " x=" << xb[j];
      *sq_err += err * err;
    }
  }
}

TEST(QuantBlockRefTest, ErrorBoundsPerElement) {
  constexpr int64_t n = 256 * kQK;
  for (DType type :
       {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1}) {
    double sq = 0;
    check_errors(type, gaussian_row(n, 1), &sq);
    check_errors(type, gaussian_row(n, 2, 1e-3f), &sq);
    check_errors(type, uniform_row(n, 3, -5.0f, 20.0f), &sq);
    check_errors(type, uniform_row(n, 4, 0.5f, 0.75f), &sq);
  }
}

// RMS error on unit Gaussian data. Uniform rounding error gives d / sqrt(12); over 32
// samples E[max|x|] ~ 2.3 and E[max - min] ~ 4.1, so d / sqrt(12) is about 0.0052 for
// Q8_0 (2.3 / 127), 0.083 for Q4_0 (2.3 / 8), 0.041 for Q5_0 (2.3 / 16), 0.079 for Q4_1
// (4.1 / 15) and 0.038 for Q5_1 (4.1 / 31). Measured: 0.0054, 0.086, 0.043, 0.079, 0.038.
// The bounds leave ~15% for the clamped end and the spread of the block maximum.
TEST(QuantBlockRefTest, RmsErrorOnGaussianData) {
  constexpr int64_t n = 1024 * kQK;
  const std::vector<float> x = gaussian_row(n, 11);
  const struct {
    DType type;
    double max_rms;
  } cases[] = {{DType::kQ4_0, 0.10},  {DType::kQ4_1, 0.09},   {DType::kQ5_0, 0.05},
               {DType::kQ5_1, 0.045}, {DType::kQ8_0, 0.0062}, {DType::kQ8_1, 0.0062}};
  for (const auto& c : cases) {
    double sq = 0;
    check_errors(c.type, x, &sq);
    const double rms = std::sqrt(sq / n);
    EXPECT_LE(rms, c.max_rms) << dtype_name(c.type);
    EXPECT_GT(rms, c.max_rms / 4) << dtype_name(c.type);  // not suspiciously exact
  }
}

}  // namespace
}  // namespace herd
