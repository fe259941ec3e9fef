// Every kernel variant this CPU supports against the scalar reference twins, with the
// error bound each kernel promises.
#include "kernels/kernel_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/cpu_features.h"
#include "kernels/ops.h"
#include "tensor/quant_ref.h"
#include "attention_cache.h"
#include "kernels/attention.h"
#include "random_vec.h"

namespace herd {
namespace {

std::vector<uint8_t> quantized(DType type, const std::vector<float>& x, int64_t rows, int64_t n) {
  const size_t bytes = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(n)));
  std::vector<uint8_t> out(bytes * static_cast<size_t>(rows) + 1);  // +1: misaligned copies
  for (int64_t r = 0; r < rows; ++r) quantize_row_ref(type, x.data() + r * n, out.data() + r * bytes, n);
  return out;
}

std::string param_name(KernelVariant v) { return std::string(kernel_variant_name(v)); }

const std::vector<DType> kWeightTypes = {DType::kF32,  DType::kF16,  DType::kBF16,  DType::kQ4_0,  DType::kQ4_1,
                                         DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,  DType::kQ8_1,  DType::kQ2_K,
                                         DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,  DType::kQ6_K,  DType::kQ8_K,
                                         DType::kIQ4_NL, DType::kIQ4_XS};

class KernelVariantTest : public ::testing::TestWithParam<KernelVariant> {
 protected:
  const KernelTable& table() const { return *kernel_table(GetParam()); }
};

// The reference dot product of one weight row with one activation row (already in the
// matmul activation type) and the sum of the magnitudes of its terms (the error scale).
struct RefDot {
  double value = 0.0;
  double magnitude = 0.0;
};

RefDot ref_dot(DType type, const uint8_t* row, const uint8_t* act, int64_t n) {
  RefDot d;
  const DType at = matmul_act_type(type);
  if (at == DType::kF32) {
    std::vector<float> w(static_cast<size_t>(n));
    dequantize_row_ref(type, row, w.data(), n);
    const float* x = reinterpret_cast<const float*>(act);
    for (int64_t i = 0; i < n; ++i) {
      d.value += static_cast<double>(w[static_cast<size_t>(i)]) * x[i];
      d.magnitude += std::fabs(static_cast<double>(w[static_cast<size_t>(i)]) * x[i]);
    }
    return d;
  }
  const size_t wb = dtype_info(type).block_bytes, ab = dtype_info(at).block_bytes;
  const int64_t bs = dtype_info(type).block_size;
  for (int64_t b = 0; b < n / bs; ++b) {
    const double v = vec_dot_ref(type, row + b * wb, act + b * ab, bs);
    d.value += v;
    d.magnitude += std::fabs(v);
  }
  return d;
}

// Float summation of n terms in any order: |error| <= about n * 2^-24 * sum |terms|
// (plus the per-block float products of the quantized types, within the same bound).
double dot_bound(const RefDot& d, int64_t n) { return (static_cast<double>(n) + 8.0) * 0x1p-24 * d.magnitude + 1e-6; }

TEST(KernelTableTest, EveryTypeWithAReferenceHasEntries) {
  for (DType type : kWeightTypes) {
    ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
    for (KernelVariant v : supported_variants()) {
      const TypeKernels& k = kernel_table(v)->of(type);
      EXPECT_NE(k.vec_dot, nullptr) << dtype_name(type) << " " << kernel_variant_name(v);
      EXPECT_NE(k.vec_dot_tile, nullptr) << dtype_name(type) << " " << kernel_variant_name(v);
      if (matmul_act_type(type) != DType::kF32) {
        EXPECT_NE(kernel_table(v)->of(matmul_act_type(type)).from_f32, nullptr) << dtype_name(type);
      }
    }
  }
}

TEST_P(KernelVariantTest, VecDotMatchesReferenceForEveryType) {
  for (DType type : kWeightTypes) {
    for (int64_t n : {int64_t{32}, int64_t{64}, int64_t{96}, int64_t{256}, int64_t{4096}}) {
      if (n % dtype_info(type).block_size != 0) continue;
      const std::vector<float> wf = random_vec(static_cast<size_t>(n), 7 + static_cast<uint32_t>(n), -2.0f, 2.0f);
      const std::vector<float> xf = random_vec(static_cast<size_t>(n), 9 + static_cast<uint32_t>(n), -3.0f, 3.0f);
      const std::vector<uint8_t> w = quantized(type, wf, 1, n);
      const DType at = matmul_act_type(type);
      const std::vector<uint8_t> a = quantized(at, xf, 1, n);
      // Misaligned copies: mapped rows may sit at any byte.
      std::vector<uint8_t> wmis(w.size() + 1);
      std::copy(w.begin(), w.end(), wmis.begin() + 1);
      const RefDot want = ref_dot(type, w.data(), a.data(), n);
      const float got = table().of(type).vec_dot(wmis.data() + 1, a.data(), n);
      EXPECT_NEAR(got, want.value, dot_bound(want, n)) << dtype_name(type) << " n " << n;
    }
  }
}

TEST_P(KernelVariantTest, KQuantDotsAreBitIdenticalToTheReference) {
  // Exact integer sums per super-block, then the reference's own float steps.
  for (DType type : {DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K,
                     DType::kIQ4_XS}) {
    ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
    for (uint32_t seed : {17u, 117u, 217u}) {
      const int64_t n = 1024;
      const std::vector<uint8_t> w = quantized(type, random_vec(static_cast<size_t>(n), seed, -2.0f, 2.0f), 1, n);
      const std::vector<uint8_t> a =
          quantized(DType::kQ8_K, random_vec(static_cast<size_t>(n), seed + 1, -5.0f, 5.0f), 1, n);
      EXPECT_EQ(table().of(type).vec_dot(w.data(), a.data(), n), vec_dot_ref(type, w.data(), a.data(), n))
          << dtype_name(type) << " seed " << seed;
      // The tile path, one row against three activation rows, too.
      const size_t wb = static_cast<size_t>(*dtype_row_bytes(type, n));
      const size_t ab = static_cast<size_t>(*dtype_row_bytes(DType::kQ8_K, n));
      const std::vector<uint8_t> a3 =
          quantized(DType::kQ8_K, random_vec(static_cast<size_t>(3 * n), seed + 2, -5.0f, 5.0f), 3, n);
      float y[3] = {};
      table().of(type).vec_dot_tile(w.data(), wb, 1, a3.data(), ab, 3, n, y, 1);
      for (int t = 0; t < 3; ++t) {
        EXPECT_EQ(y[t], vec_dot_ref(type, w.data(), a3.data() + t * ab, n)) << dtype_name(type) << " tile " << t;
      }
    }
  }
}

TEST_P(KernelVariantTest, LowBitDotsAreBitIdenticalOnArbitraryBlocks) {
  // Random bytes reach every scale and code pattern (extreme 6-bit scale codes, all
  // min codes), not only those the quantizer's search produces; only the fp16 block
  // scales are set to finite values.
  struct Case {
    DType type;
    std::vector<int> f16_fields;  // byte offsets of d (and dmin) in a block
  };
  const Case cases[] = {{DType::kQ2_K, {80, 82}}, {DType::kQ3_K, {108}}, {DType::kIQ4_XS, {0}}};
  std::mt19937 rng(99);
  for (const Case& c : cases) {
    if (!dtype_has_ref(c.type)) continue;
    const int64_t n = 2048;
    const size_t bb = dtype_info(c.type).block_bytes;
    std::vector<uint8_t> w(static_cast<size_t>(*dtype_row_bytes(c.type, n)));
    for (uint8_t& b : w) b = static_cast<uint8_t>(rng());
    for (size_t blk = 0; blk < w.size() / bb; ++blk) {
      for (int off : c.f16_fields) {
        const uint16_t h = static_cast<uint16_t>(0x2000 + rng() % 0x2000);  // about 2^-7 .. 2^0
        std::memcpy(w.data() + blk * bb + off, &h, sizeof(h));
      }
    }
    const std::vector<uint8_t> a = quantized(DType::kQ8_K, random_vec(static_cast<size_t>(n), 98, -4.0f, 4.0f), 1, n);
    EXPECT_EQ(table().of(c.type).vec_dot(w.data(), a.data(), n), vec_dot_ref(c.type, w.data(), a.data(), n))
        << dtype_name(c.type);
  }
}

TEST_P(KernelVariantTest, SimdVariantsHaveTheirOwnQuantizedDots) {
  // A SIMD table starts as a copy of the scalar one; these types must not be left on
  // the reference fallback (or the tests above would only compare it with itself).
  if (GetParam() == KernelVariant::kScalar) GTEST_SKIP() << "the reference itself";
  const KernelTable& scalar = kernel_table_scalar();
  for (DType type : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K,
                     DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS}) {
    ASSERT_TRUE(dtype_has_ref(type)) << dtype_name(type);
    EXPECT_NE(table().of(type).vec_dot, scalar.of(type).vec_dot) << dtype_name(type);
    EXPECT_NE(table().of(type).vec_dot_tile, scalar.of(type).vec_dot_tile) << dtype_name(type);
  }
}

TEST_P(KernelVariantTest, FloatRowsOfAnyLength) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
    for (int64_t n = 1; n <= 70; ++n) {
      const std::vector<float> wf = random_vec(static_cast<size_t>(n), 3 + static_cast<uint32_t>(n), -2.0f, 2.0f);
      const std::vector<float> xf = random_vec(static_cast<size_t>(n), 5 + static_cast<uint32_t>(n), -2.0f, 2.0f);
      const std::vector<uint8_t> w = quantized(type, wf, 1, n);
      const RefDot want = ref_dot(type, w.data(), reinterpret_cast<const uint8_t*>(xf.data()), n);
      EXPECT_NEAR(table().of(type).vec_dot(w.data(), xf.data(), n), want.value, dot_bound(want, n))
          << dtype_name(type) << " n " << n;
    }
  }
}

TEST_P(KernelVariantTest, TilesMatchReferenceForEveryShape) {
  const int64_t n = 512;
  for (DType type : kWeightTypes) {
    const DType at = matmul_act_type(type);
    const int64_t max_rows = 11, max_acts = 9;
    const std::vector<uint8_t> w = quantized(type, random_vec(max_rows * n, 21, -2.0f, 2.0f), max_rows, n);
    const std::vector<uint8_t> a = quantized(at, random_vec(max_acts * n, 22, -2.0f, 2.0f), max_acts, n);
    const size_t wb = static_cast<size_t>(*dtype_row_bytes(type, n));
    const size_t ab = static_cast<size_t>(*dtype_row_bytes(at, n));
    for (int64_t rows = 1; rows <= max_rows; ++rows) {
      for (int64_t acts = 1; acts <= max_acts; acts += 2) {
        const int64_t stride = rows + 3;
        std::vector<float> y(static_cast<size_t>(acts * stride), -123.0f);
        table().of(type).vec_dot_tile(w.data(), wb, rows, a.data(), ab, acts, n, y.data(), stride);
        for (int64_t t = 0; t < acts; ++t) {
          for (int64_t r = 0; r < stride; ++r) {
            const float got = y[static_cast<size_t>(t * stride + r)];
            if (r >= rows) {
              ASSERT_EQ(got, -123.0f) << "wrote past the tile";
              continue;
            }
            const RefDot want = ref_dot(type, w.data() + r * wb, a.data() + t * ab, n);
            ASSERT_NEAR(got, want.value, dot_bound(want, n))
                << dtype_name(type) << " tile " << rows << "x" << acts << " at " << r << "," << t;
          }
        }
      }
    }
  }
}

TEST_P(KernelVariantTest, ActivationQuantizationIsByteExact) {
  for (DType type : {DType::kQ8_0, DType::kQ8_1, DType::kQ8_K, DType::kF16, DType::kBF16}) {
    for (float scale : {1.0f, 1e-3f, 300.0f}) {
      const int64_t n = 512;
      std::vector<float> x = random_vec(static_cast<size_t>(n), 77, -scale, scale);
      for (int i = 0; i < 32; ++i) x[static_cast<size_t>(i)] = 0.0f;  // an all-zero block
      x[40] = 0.5f * scale;                                           // ties for the rounding
      x[41] = -2.5f * scale;
      x[100] = -3.0f * scale;  // Q8_K: two elements of the largest magnitude, the first
      x[120] = 3.0f * scale;   // (negative) one sets the sign of the scale
      for (size_t i = 256; i < 512; ++i) x[i] = 0.0f;  // an all-zero super-block
      const size_t bytes = static_cast<size_t>(*dtype_row_bytes(type, n));
      std::vector<uint8_t> want(bytes), got(bytes + 1, 0xEE);
      quantize_row_ref(type, x.data(), want.data(), n);
      table().of(type).from_f32(x.data(), got.data(), n);
      EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + static_cast<long>(bytes)), want)
          << dtype_name(type) << " scale " << scale;
      EXPECT_EQ(got.back(), 0xEE) << "wrote past the row";
    }
  }
}

TEST_P(KernelVariantTest, RmsNorm) {
  for (int64_t n : {1, 7, 16, 33, 256, 4096}) {
    const std::vector<float> x = random_vec(static_cast<size_t>(n), 31, -3.0f, 3.0f);
    const std::vector<float> w = random_vec(static_cast<size_t>(n), 32, 0.5f, 1.5f);
    for (const float* wp : {static_cast<const float*>(nullptr), w.data()}) {
      std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n) + 1, 9.0f);
      rms_norm_ref(x.data(), wp, want.data(), n, 1e-5f);
      table().rms_norm(x.data(), wp, got.data(), n, 1e-5f);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_NEAR(got[static_cast<size_t>(i)], want[static_cast<size_t>(i)], 1e-5f * std::fabs(want[static_cast<size_t>(i)]) + 1e-7f)
            << "n " << n << " i " << i;
      }
      EXPECT_EQ(got.back(), 9.0f);
    }
  }
}

TEST_P(KernelVariantTest, RmsNormAndSwigluInPlace) {
  // The model normalises q/k heads and gates in place (y == x, out == gate).
  for (int64_t n : {8, 64, 100}) {
    const std::vector<float> x = random_vec(static_cast<size_t>(n), 35, -3.0f, 3.0f);
    const std::vector<float> w = random_vec(static_cast<size_t>(n), 36, 0.5f, 1.5f);
    std::vector<float> want(static_cast<size_t>(n)), inplace = x;
    table().rms_norm(x.data(), w.data(), want.data(), n, 1e-6f);
    table().rms_norm(inplace.data(), w.data(), inplace.data(), n, 1e-6f);
    EXPECT_EQ(inplace, want) << "n " << n;
    std::vector<float> out(static_cast<size_t>(n)), gate = x;
    table().swiglu(x.data(), w.data(), out.data(), n);
    table().swiglu(gate.data(), w.data(), gate.data(), n);
    EXPECT_EQ(gate, out) << "n " << n;
  }
}

TEST_P(KernelVariantTest, Softmax) {
  for (int64_t n : {1, 5, 16, 31, 100, 1000}) {
    std::vector<float> x = random_vec(static_cast<size_t>(n), 41, -10.0f, 10.0f);
    if (n > 3) x[2] = -INFINITY;  // masked position
    std::vector<float> want = x, got = x;
    got.push_back(9.0f);
    softmax_ref(want.data(), n);
    table().softmax(got.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(got[static_cast<size_t>(i)], want[static_cast<size_t>(i)], 2e-6f * want[static_cast<size_t>(i)] + 1e-7f)
          << "n " << n << " i " << i;
    }
    EXPECT_EQ(got.back(), 9.0f);
  }
  std::vector<float> all_masked(20, -INFINITY);
  table().softmax(all_masked.data(), 20);
  for (float v : all_masked) EXPECT_EQ(v, 0.0f);
}

TEST_P(KernelVariantTest, Swiglu) {
  for (int64_t n : {1, 9, 64, 1000}) {
    std::vector<float> g = random_vec(static_cast<size_t>(n), 51, -20.0f, 20.0f);
    if (n > 3) {
      g[0] = -100.0f;  // exp(-g) past the float range
      g[1] = 100.0f;
    }
    const std::vector<float> u = random_vec(static_cast<size_t>(n), 52, -2.0f, 2.0f);
    std::vector<float> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    swiglu_ref(g.data(), u.data(), want.data(), n);
    table().swiglu(g.data(), u.data(), got.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(got[static_cast<size_t>(i)], want[static_cast<size_t>(i)], 2e-6f * std::fabs(want[static_cast<size_t>(i)]) + 1e-30f)
          << "n " << n << " i " << i;
    }
  }
}

TEST_P(KernelVariantTest, Rope) {
  for (RopeStyle style : {RopeStyle::kAdjacentPairs, RopeStyle::kNeox}) {
    for (int n_rot : {2, 4, 32, 64, 128}) {
      const int head_dim = n_rot + 6;  // unrotated tail must stay as it is
      std::vector<float> cs(static_cast<size_t>(n_rot));
      rope_cos_sin(37, n_rot, 10000.0, 1.0, nullptr, cs.data());
      const std::vector<float> x = random_vec(static_cast<size_t>(head_dim), 61, -2.0f, 2.0f);
      std::vector<float> want = x, got = x;
      rope_apply_ref(want.data(), n_rot, cs.data(), style);
      table().rope_apply(got.data(), n_rot, cs.data(), style);
      for (int i = 0; i < head_dim; ++i) {
        ASSERT_NEAR(got[static_cast<size_t>(i)], want[static_cast<size_t>(i)], 1e-6f) << "n_rot " << n_rot << " i " << i;
      }
    }
  }
}

// Attention reading F16 and Q8_0 KV rows directly (converted inside the kernel) against
// the reference twin on the same rows: the tile kernel (head sizes it takes) and the
// per-head fallback (odd and large ones).
TEST_P(KernelVariantTest, AttentionReadsEveryKvCacheType) {
  for (DType type : kKvTypes) {
    for (int32_t head_dim : {8, 64, 80, 128, 320}) {
      if (!kv_type_fits(type, head_dim)) continue;
      const Cache cache = make_cache(head_dim, 2, 90, 17 + static_cast<uint32_t>(head_dim), type);
      const int32_t n_heads = 3;
      const std::vector<float> q = random_vec(static_cast<size_t>(2 * n_heads * head_dim), 23, -2.0f, 2.0f);
      std::vector<float> got(q.size(), 5.0f), want(q.size(), 5.0f);
      AttentionTile tile;
      tile.n_tokens = 2;
      tile.n_heads = n_heads;
      for (int t = 0; t < 2; ++t) {
        tile.q[t] = q.data() + t * n_heads * head_dim;
        tile.first[t] = 0;
        tile.n_keys[t] = 60 + 29 * t;
      }
      const AttentionSpan span = cache.span(1, 0, 0, 0.25f, 0.0f);
      AttentionTile ref = tile;
      for (int t = 0; t < 2; ++t) {
        tile.out[t] = got.data() + t * n_heads * head_dim;
        ref.out[t] = want.data() + t * n_heads * head_dim;
      }
      table().attention_tile(tile, span);
      attention_tile_ref(ref, span);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-5) << kv_name(type) << " head_dim " << head_dim << " i " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, KernelVariantTest, ::testing::ValuesIn(supported_variants()),
                         [](const ::testing::TestParamInfo<KernelVariant>& info) { return param_name(info.param); });

TEST(KernelTableTest, ScalarIsAlwaysSupportedAndBestIsLast) {
  const std::vector<KernelVariant> v = supported_variants();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front(), KernelVariant::kScalar);
  EXPECT_EQ(v.back(), best_kernel_variant());
  for (KernelVariant k : {KernelVariant::kScalar, KernelVariant::kAvx2, KernelVariant::kAvx512}) {
    const bool listed = std::find(v.begin(), v.end(), k) != v.end();
    EXPECT_EQ(kernel_table(k) != nullptr, listed) << kernel_variant_name(k);
    if (listed) {
      EXPECT_EQ(kernel_table(k)->variant, k);
    }
  }
}

TEST(KernelTableTest, VariantsFollowCpuFeatures) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  EXPECT_EQ(kernel_table(KernelVariant::kAvx2) != nullptr, avx2);
  EXPECT_EQ(kernel_table(KernelVariant::kAvx512) != nullptr,
            avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni);
}

// On a CPU with AVX-512 (F, BW, VL, VNNI: all the AVX-512 kernels use; none uses BF16)
// every slot of the kAvx512 table must hold AVX-512 code: not the scalar twin, not the
// AVX2 one, and the AVX-512-only GEMMs present. A build that drops a variant (flags, an
// #if) fails here instead of silently testing the fallback against itself. On other
// CPUs the table must be absent, which is asserted too.
TEST(KernelTableTest, Avx512CpuGetsEveryAvx512Kernel) {
  const CpuFeatures& f = cpu_features();
  const KernelTable* t = kernel_table(KernelVariant::kAvx512);
  if (!(f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni)) {
    EXPECT_EQ(t, nullptr);
    return;
  }
  ASSERT_NE(t, nullptr);
  const KernelTable& scalar = kernel_table_scalar();
  const KernelTable& avx2 = *kernel_table(KernelVariant::kAvx2);
  auto own = [&](auto get, const char* what, const char* slot) {
    EXPECT_NE(get(*t), nullptr) << what << " " << slot;
    EXPECT_NE(get(*t), get(scalar)) << what << " " << slot << " is the scalar twin";
    EXPECT_NE(get(*t), get(avx2)) << what << " " << slot << " is the AVX2 code";
  };
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                     DType::kQ8_0, DType::kQ8_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                     DType::kIQ4_NL, DType::kIQ4_XS}) {
    const std::string name(dtype_name(type));
    own([type](const KernelTable& k) { return k.of(type).vec_dot; }, name.c_str(), "vec_dot");
    own([type](const KernelTable& k) { return k.of(type).vec_dot_tile; }, name.c_str(), "vec_dot_tile");
  }
  for (DType type : {DType::kQ8_0, DType::kQ8_1, DType::kQ8_K, DType::kF16}) {
    const std::string name(dtype_name(type));
    EXPECT_NE(t->of(type).from_f32, nullptr) << name;
    EXPECT_NE(t->of(type).from_f32, scalar.of(type).from_f32) << name << " from_f32 is the scalar twin";
  }
  // The GEMMs only AVX-512 has (float ones in every SIMD variant, so only non-null here).
  for (DType type : {DType::kQ4_0, DType::kQ8_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    const std::string name(dtype_name(type));
    own([type](const KernelTable& k) { return k.of(type).gemm; }, name.c_str(), "gemm");
    EXPECT_NE(t->of(type).gemm_from_f32, nullptr) << name;
  }
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
    own([type](const KernelTable& k) { return k.of(type).gemm; }, std::string(dtype_name(type)).c_str(), "gemm");
  }
  own([](const KernelTable& k) { return k.rms_norm; }, "op", "rms_norm");
  own([](const KernelTable& k) { return k.softmax; }, "op", "softmax");
  own([](const KernelTable& k) { return k.swiglu; }, "op", "swiglu");
  own([](const KernelTable& k) { return k.rope_apply; }, "op", "rope_apply");
  own([](const KernelTable& k) { return k.attention_head; }, "op", "attention_head");
  own([](const KernelTable& k) { return k.attention_tile; }, "op", "attention_tile");
  EXPECT_EQ(best_kernel_variant(), KernelVariant::kAvx512);
}

TEST(KernelTableTest, SelectKernelsSwitchesTheActiveTable) {
  const KernelVariant before = kernels().variant;
  for (KernelVariant v : supported_variants()) {
    ASSERT_TRUE(select_kernels(v));
    EXPECT_EQ(kernels().variant, v);
    EXPECT_EQ(&kernels(), kernel_table(v));
    // The dispatched wrappers follow the switch.
    float x[3] = {1.0f, 2.0f, 3.0f};
    softmax(x, 3);
    EXPECT_NEAR(x[0] + x[1] + x[2], 1.0f, 1e-6f);
  }
  for (KernelVariant v : {KernelVariant::kAvx2, KernelVariant::kAvx512}) {
    if (kernel_table(v) == nullptr) {
      EXPECT_FALSE(select_kernels(v));
      EXPECT_NE(kernels().variant, v);
    }
  }
  ASSERT_TRUE(select_kernels(before));
}

TEST(KernelTableTest, VariantNamesRoundTrip) {
  for (KernelVariant v : {KernelVariant::kScalar, KernelVariant::kAvx2, KernelVariant::kAvx512}) {
    KernelVariant parsed = KernelVariant::kScalar;
    ASSERT_TRUE(parse_kernel_variant(kernel_variant_name(v), &parsed));
    EXPECT_EQ(parsed, v);
  }
  KernelVariant unused;
  EXPECT_FALSE(parse_kernel_variant("neon", &unused));
  EXPECT_FALSE(parse_kernel_variant("", &unused));
}

TEST(KernelTableTest, EnvironmentOverrideIsHonouredByAFreshProcess) {
  // HERD_ISA is read once per process, so this runs the binary itself with the
  // variable set and a filter selecting only the probe test below.
#if defined(HERD_BINARY_DIR)
  for (KernelVariant v : supported_variants()) {
    const std::string cmd = std::string("HERD_ISA=") + std::string(kernel_variant_name(v)) +
                            " HERD_EXPECT_ISA=" + std::string(kernel_variant_name(v)) + " " +
                            HERD_BINARY_DIR "/tests/herd_kernels_tests --gtest_filter=KernelTableTest.EnvProbe "
                            "> /dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  // Unknown names fall back to the best variant (with a warning).
  const std::string cmd = std::string("HERD_ISA=bogus HERD_EXPECT_ISA=") +
                          std::string(kernel_variant_name(best_kernel_variant())) + " " +
                          HERD_BINARY_DIR "/tests/herd_kernels_tests --gtest_filter=KernelTableTest.EnvProbe "
                          "> /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
#endif
}

TEST(KernelTableTest, EnvProbe) {
  const char* expect = std::getenv("HERD_EXPECT_ISA");
  if (expect == nullptr) GTEST_SKIP() << "run by EnvironmentOverrideIsHonouredByAFreshProcess";
  EXPECT_EQ(kernel_variant_name(kernels().variant), std::string(expect));
}

}  // namespace
}  // namespace herd
