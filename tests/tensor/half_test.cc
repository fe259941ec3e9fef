#include "tensor/half.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace herd {
namespace {

bool fp16_is_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0; }
bool bf16_is_nan(uint16_t h) { return (h & 0x7f80u) == 0x7f80u && (h & 0x007fu) != 0; }
float bits(uint32_t u) { return std::bit_cast<float>(u); }

TEST(HalfTest, EveryFp16RoundTripsExactly) {
  for (uint32_t u = 0; u < 65536; ++u) {
    const auto h = static_cast<uint16_t>(u);
    const float f = fp16_to_f32(h);
    const uint16_t back = f32_to_fp16(f);
    if (fp16_is_nan(h)) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << u;
      ASSERT_TRUE(fp16_is_nan(back)) << std::hex << u;
      ASSERT_EQ(back & 0x8000u, h & 0x8000u) << std::hex << u;
      if (h & 0x0200u) {
        ASSERT_EQ(back, h) << std::hex << u;  // quiet NaNs keep their payload
      }
    } else {
      ASSERT_FALSE(std::isnan(f)) << std::hex << u;
      ASSERT_EQ(back, h) << std::hex << u;
    }
  }
}

TEST(HalfTest, TableMatchesConversion) {
  const float* table = fp16_table();
  for (uint32_t u = 0; u < 65536; ++u) {
    const float f = fp16_to_f32(static_cast<uint16_t>(u));
    ASSERT_EQ(std::bit_cast<uint32_t>(table[u]), std::bit_cast<uint32_t>(f)) << std::hex << u;
  }
  EXPECT_EQ(fp16_table(), table);
}

TEST(HalfTest, Fp16KnownValues) {
  EXPECT_EQ(fp16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_f32(0x3800), 0.5f);
  EXPECT_EQ(fp16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_f32(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(fp16_to_f32(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(fp16_to_f32(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(fp16_to_f32(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_f32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_f32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_f32(0x8000)), 0x80000000u);  // -0 keeps its sign

  EXPECT_EQ(f32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_fp16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_fp16(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(f32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(f32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(f32_to_fp16(-std::numeric_limits<float>::infinity()), 0xfc00);
}

TEST(HalfTest, Fp16RoundsTiesToEven) {
  const float ulp = std::ldexp(1.0f, -10);             // fp16 spacing just above 1
  EXPECT_EQ(f32_to_fp16(1.0f + ulp / 2), 0x3c00);      // tie -> even (down)
  EXPECT_EQ(f32_to_fp16(1.0f + 3 * ulp / 2), 0x3c02);  // tie -> even (up)
  EXPECT_EQ(f32_to_fp16(std::nextafter(1.0f + ulp / 2, 2.0f)), 0x3c01);
  EXPECT_EQ(f32_to_fp16(std::nextafter(1.0f + 3 * ulp / 2, 0.0f)), 0x3c01);
  // Overflow: 65520 is the tie between 65504 and 65536 and goes to infinity.
  EXPECT_EQ(f32_to_fp16(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  EXPECT_EQ(f32_to_fp16(65520.0f), 0x7c00);
  EXPECT_EQ(f32_to_fp16(-1e10f), 0xfc00);
  EXPECT_EQ(f32_to_fp16(std::numeric_limits<float>::max()), 0x7c00);
  // Subnormals: 2^-25 is the tie between 0 and the smallest subnormal.
  EXPECT_EQ(f32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(f32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(f32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(f32_to_fp16(std::ldexp(1023.5f, -24)), 0x0400);  // rounds up into the normals
  EXPECT_EQ(f32_to_fp16(-std::ldexp(1.0f, -26)), 0x8000);
  EXPECT_EQ(f32_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
}

// Every rounding boundary: the midpoint between neighbouring fp16 values (exact in
// float) goes to the even one, and the floats either side of it to the nearer one.
TEST(HalfTest, Fp16EveryMidpoint) {
  for (uint32_t sign = 0; sign <= 0x8000u; sign += 0x8000u) {
    for (uint32_t u = 0; u < 0x7c00u; ++u) {
      const auto lo = static_cast<uint16_t>(sign | u);
      const auto hi = static_cast<uint16_t>(sign | (u + 1));
      const float lo_f = fp16_to_f32(lo);
      // Past 65504 the next step up would be 65536, which fp16 spells as infinity.
      const float hi_f = u == 0x7bffu ? std::copysign(65536.0f, lo_f) : fp16_to_f32(hi);
      const float mid = (lo_f + hi_f) / 2;  // exact: 12 significant bits
      ASSERT_EQ(static_cast<double>(mid),
                (static_cast<double>(lo_f) + static_cast<double>(hi_f)) / 2);
      ASSERT_EQ(f32_to_fp16(mid), (u & 1u) ? hi : lo) << std::hex << u;
      const float toward_lo = std::nextafter(mid, lo_f);
      const float toward_hi = std::nextafter(mid, hi_f);
      ASSERT_EQ(f32_to_fp16(toward_lo), lo) << std::hex << u;
      ASSERT_EQ(f32_to_fp16(toward_hi), hi) << std::hex << u;
    }
  }
}

TEST(HalfTest, Fp16NanStaysNan) {
  EXPECT_TRUE(fp16_is_nan(f32_to_fp16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(fp16_is_nan(f32_to_fp16(bits(0x7f800001u))));  // payload only in low bits
  EXPECT_TRUE(fp16_is_nan(f32_to_fp16(bits(0xff800001u))));
  EXPECT_EQ(f32_to_fp16(bits(0xff800001u)) & 0x8000u, 0x8000u);
  EXPECT_TRUE(std::isnan(fp16_to_f32(0x7c01)));
  EXPECT_TRUE(std::isnan(fp16_to_f32(0xfe00)));
}

TEST(HalfTest, EveryBf16RoundTripsExactly) {
  for (uint32_t u = 0; u < 65536; ++u) {
    const auto h = static_cast<uint16_t>(u);
    const float f = bf16_to_f32(h);
    EXPECT_EQ(std::bit_cast<uint32_t>(f), u << 16);
    const uint16_t back = f32_to_bf16(f);
    if (bf16_is_nan(h)) {
      ASSERT_TRUE(bf16_is_nan(back)) << std::hex << u;
      ASSERT_EQ(back & 0x8000u, h & 0x8000u);
    } else {
      ASSERT_EQ(back, h) << std::hex << u;
    }
  }
}

TEST(HalfTest, Bf16KnownValuesAndRounding) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_bf16(3.14159265f), 0x4049);  // 3.140625
  EXPECT_EQ(bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(f32_to_bf16(bits(0x3f808000u)), 0x3f80);  // tie -> even (down)
  EXPECT_EQ(f32_to_bf16(bits(0x3f818000u)), 0x3f82);  // tie -> even (up)
  EXPECT_EQ(f32_to_bf16(bits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(f32_to_bf16(bits(0x3f807fffu)), 0x3f80);
  EXPECT_EQ(f32_to_bf16(bits(0xbf818000u)), 0xbf82);
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(f32_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(f32_to_bf16(bits(0x00008000u)), 0x0000);  // subnormal tie -> even
  EXPECT_EQ(f32_to_bf16(bits(0x00018000u)), 0x0002);
  EXPECT_TRUE(bf16_is_nan(f32_to_bf16(bits(0x7f800001u))));
  EXPECT_TRUE(bf16_is_nan(f32_to_bf16(bits(0xffc00000u))));
  EXPECT_TRUE(bf16_is_nan(f32_to_bf16(std::numeric_limits<float>::quiet_NaN())));
}

}  // namespace
}  // namespace herd
