// The decode (few tokens) path of the Q4_K / Q5_K / Q6_K matmul kernels
// (kquant_decode_avx512.h behind TypeKernels::gemm, the tile kernels elsewhere) against
// vec_dot_ref, bit for bit: partial 16-row panels, every super-block count the models
// use, 1-7 tokens (whole and partial token groups), and blocks at the extremes of the
// int16 / int32 ranges the kernels rely on.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "tensor/dtype.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

constexpr DType kTypes[] = {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

// Byte offsets of the fp16 scales in a block (d, then dmin for Q4_K / Q5_K).
std::vector<size_t> f16_fields(DType type) {
  if (type == DType::kQ6_K) return {208};
  return {0, 2};
}

// Random bytes (every code, scale and min pattern), with finite fp16 scales.
std::vector<uint8_t> random_rows(DType type, int64_t n_rows, int64_t n, uint32_t seed) {
  const size_t row_bytes = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(n)));
  const size_t bb = dtype_info(type).block_bytes;
  std::mt19937 rng(seed);
  std::vector<uint8_t> w(row_bytes * static_cast<size_t>(n_rows));
  for (uint8_t& b : w) b = static_cast<uint8_t>(rng());
  for (size_t blk = 0; blk < w.size() / bb; ++blk) {
    for (size_t off : f16_fields(type)) {
      const uint16_t h = static_cast<uint16_t>(0x2000 + rng() % 0x2000);  // about 2^-7 .. 2^0
      std::memcpy(w.data() + blk * bb + off, &h, sizeof(h));
    }
  }
  return w;
}

// Q8_K activation rows through the reference quantizer.
std::vector<uint8_t> q8k_rows(int64_t n_rows, int64_t n, uint32_t seed) {
  const size_t ab = static_cast<size_t>(*dtype_row_bytes(DType::kQ8_K, static_cast<uint64_t>(n)));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  std::vector<float> x(static_cast<size_t>(n));
  std::vector<uint8_t> a(ab * static_cast<size_t>(n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    for (float& v : x) v = dist(rng);
    quantize_row_ref(DType::kQ8_K, x.data(), a.data() + static_cast<size_t>(r) * ab, n);
  }
  return a;
}

// Every (row, token) of table.gemm (or vec_dot_tile where a type has no GEMM) equals
// vec_dot_ref bit for bit; the rest of y is untouched.
void expect_exact(const TypeKernels& k, DType type, const std::vector<uint8_t>& w, int64_t n_rows,
                  const std::vector<uint8_t>& a, int64_t n_acts, int64_t n, const std::string& what) {
  const size_t row_bytes = w.size() / static_cast<size_t>(n_rows);
  const size_t ab = a.size() / static_cast<size_t>(n_acts);
  const int64_t y_stride = n_rows + 3;
  std::vector<float> y(static_cast<size_t>(y_stride * n_acts), -7.0f);
  const VecDotTileFn fn = k.gemm != nullptr ? k.gemm : k.vec_dot_tile;
  fn(w.data(), row_bytes, n_rows, a.data(), ab, n_acts, n, y.data(), y_stride);
  for (int64_t t = 0; t < n_acts; ++t) {
    for (int64_t r = 0; r < y_stride; ++r) {
      const float got = y[static_cast<size_t>(t * y_stride + r)];
      const float want = r < n_rows ? vec_dot_ref(type, w.data() + static_cast<size_t>(r) * row_bytes,
                                                   a.data() + static_cast<size_t>(t) * ab, n)
                                     : -7.0f;
      uint32_t gb, wb;
      std::memcpy(&gb, &got, 4);
      std::memcpy(&wb, &want, 4);
      ASSERT_EQ(gb, wb) << what << " row " << r << " token " << t << ": " << got << " vs " << want;
    }
  }
}

class KQuantDecodeTest : public ::testing::TestWithParam<KernelVariant> {
 protected:
  const KernelTable& table() const { return *kernel_table(GetParam()); }
};

TEST_P(KQuantDecodeTest, RandomBlocksEqualTheReference) {
  for (DType type : kTypes) {
    ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
    for (int64_t blocks : {1, 2, 3, 8, 22}) {
      const int64_t n = 256 * blocks;
      for (int64_t n_rows : {1, 5, 16, 17, 33}) {
        const std::vector<uint8_t> w = random_rows(type, n_rows, n, static_cast<uint32_t>(n_rows * 31 + blocks));
        for (int64_t n_acts : {1, 2, 3, 4, 7}) {
          const std::vector<uint8_t> a = q8k_rows(n_acts, n, static_cast<uint32_t>(n_acts + 7 * blocks));
          expect_exact(table().of(type), type, w, n_rows, a, n_acts, n,
                       std::string(dtype_name(type)) + " K " + std::to_string(n) + " rows " + std::to_string(n_rows) +
                           " tokens " + std::to_string(n_acts));
        }
      }
    }
  }
}

TEST_P(KQuantDecodeTest, ExtremeBlocksEqualTheReference) {
  // Every code and scale byte at its maximum (codes 15 / 31 / 63, 6-bit scales and mins
  // 63; Q6_K scales -1, -128 and 127), against
  // activations of -128 (or 127) everywhere: the largest pair sums and products.
  const int64_t n = 256 * 22, n_rows = 19;
  const size_t ab = static_cast<size_t>(*dtype_row_bytes(DType::kQ8_K, static_cast<uint64_t>(n)));
  for (int8_t q : {int8_t{-128}, int8_t{127}}) {
    std::vector<uint8_t> a(ab * 3);
    for (int64_t t = 0; t < 3; ++t) {
      uint8_t* row = a.data() + static_cast<size_t>(t) * ab;
      for (int64_t b = 0; b < n / 256; ++b) {
        uint8_t* blk = row + b * 292;
        const float d = 0.01f * static_cast<float>(t + 1);
        std::memcpy(blk, &d, 4);
        std::memset(blk + 4, static_cast<uint8_t>(q), 256);
        const int16_t bsum = static_cast<int16_t>(16 * q);
        for (int s = 0; s < 16; ++s) std::memcpy(blk + 260 + 2 * s, &bsum, 2);
      }
    }
    for (DType type : kTypes) {
      ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
      for (uint8_t fill : {uint8_t{0xff}, uint8_t{0x80}, uint8_t{0x7f}}) {
        std::vector<uint8_t> w = random_rows(type, n_rows, n, 5);
        const size_t bb = dtype_info(type).block_bytes;
        std::vector<size_t> fields = f16_fields(type);
        for (size_t blk = 0; blk < w.size() / bb; ++blk) {
          for (size_t i = 0; i < bb; ++i) {
            bool is_f16 = false;
            for (size_t f : fields) is_f16 = is_f16 || i == f || i == f + 1;
            if (!is_f16) w[blk * bb + i] = type == DType::kQ6_K && i >= 192 ? fill : 0xff;
          }
        }
        for (int64_t n_acts : {1, 2, 3}) {
          expect_exact(table().of(type), type, w, n_rows, a, n_acts, n,
                       std::string(dtype_name(type)) + " extreme, a " + std::to_string(q) + " fill " +
                           std::to_string(fill) + " tokens " + std::to_string(n_acts));
        }
      }
    }
  }
}

TEST_P(KQuantDecodeTest, RowResultDoesNotDependOnTheTokenCount) {
  // Batch invariance on the decode path: a token's row results are the same bits with
  // 1 to 20 tokens in the call (token groups, and the GEMM from kGemmKMinTokens on).
  for (DType type : kTypes) {
    ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
    const int64_t n = 256 * 8, n_rows = 37;
    const std::vector<uint8_t> w = random_rows(type, n_rows, n, 77);
    const std::vector<uint8_t> a = q8k_rows(20, n, 78);
    const size_t row_bytes = w.size() / static_cast<size_t>(n_rows);
    const size_t ab = a.size() / 20;
    const TypeKernels& k = table().of(type);
    const VecDotTileFn fn = k.gemm != nullptr ? k.gemm : k.vec_dot_tile;
    std::vector<float> alone(static_cast<size_t>(n_rows));
    fn(w.data(), row_bytes, n_rows, a.data(), ab, 1, n, alone.data(), n_rows);
    for (int64_t n_acts : {2, 3, 4, 8, 15, 16, 17, 20}) {
      std::vector<float> y(static_cast<size_t>(n_rows * n_acts));
      fn(w.data(), row_bytes, n_rows, a.data(), ab, n_acts, n, y.data(), n_rows);
      EXPECT_EQ(std::memcmp(y.data(), alone.data(), alone.size() * sizeof(float)), 0)
          << dtype_name(type) << " tokens " << n_acts;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, KQuantDecodeTest, ::testing::ValuesIn(supported_variants()),
                         [](const ::testing::TestParamInfo<KernelVariant>& info) {
                           return std::string(kernel_variant_name(info.param));
                         });

}  // namespace
}  // namespace herd
