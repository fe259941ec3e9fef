#include "kv/kv_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>
#include <string>
#include <utility>

#include "kv/kv_budget.h"
#include "tensor/half.h"

namespace herd {
namespace {

constexpr int32_t kMaxI32 = std::numeric_limits<int32_t>::max();

KvCacheParams params(int32_t n_layer, int32_t n_embd_kv, int32_t n_blocks, int32_t block_size,
                     DType type_k = DType::kF32, DType type_v = DType::kF32) {
  KvCacheParams p;
  p.n_layer = n_layer;
  p.n_embd_kv = n_embd_kv;
  p.n_blocks = n_blocks;
  p.block_size = block_size;
  p.type_k = type_k;
  p.type_v = type_v;
  return p;
}

// Element i of a float row (F32 caches only).
float& kf(KvCache& kv, int32_t l, int32_t b, int32_t p, int32_t i) { return static_cast<float*>(kv.k(l, b, p))[i]; }
float& vf(KvCache& kv, int32_t l, int32_t b, int32_t p, int32_t i) { return static_cast<float*>(kv.v(l, b, p))[i]; }

TEST(KvCacheTest, NonPositiveParamsAreInvalid) {
  const KvCacheParams bad[] = {
      params(0, 8, 4, 16),  params(-1, 8, 4, 16), params(2, 0, 4, 16),       params(2, -8, 4, 16),
      params(2, 8, 0, 16),  params(2, 8, -4, 16), params(2, 8, 4, 0),        params(2, 8, 4, -16),
      params(0, 0, 0, 0),   params(kMaxI32, 8, -1, 16), params(1, std::numeric_limits<int32_t>::min(), 1, 1),
  };
  for (const KvCacheParams& p : bad) {
    Result<KvCache> r = KvCache::create(p);
    ASSERT_FALSE(r.ok()) << p.n_layer << " " << p.n_embd_kv << " " << p.n_blocks << " " << p.block_size;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().to_string();
  }
}

TEST(KvCacheTest, BlockSizeMustBeAPowerOfTwo) {
  for (int32_t bs : {3, 6, 12, 24, 100, 8192}) {
    Result<KvCache> r = KvCache::create(params(2, 8, 4, bs));
    ASSERT_FALSE(r.ok()) << bs;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(std::to_string(bs)), std::string::npos) << r.status().message();
  }
  for (int32_t bs : {1, 2, 16, 32, 256}) EXPECT_TRUE(KvCache::create(params(2, 8, 4, bs)).ok()) << bs;
}

TEST(KvCacheTest, ReportsItsShape) {
  Result<KvCache> r = KvCache::create(params(3, 12, 5, 8));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->n_embd_kv(), 12);
  EXPECT_EQ(r->n_blocks(), 5);
  EXPECT_EQ(r->block_size(), 8);
  EXPECT_EQ(r->block_shift(), 3);
  EXPECT_EQ(r->n_rows(), 40);
  EXPECT_EQ(r->block_stride(), 96);
}

// A value unique to (K or V, layer, block, row, element).
float tag(int kv, int32_t layer, int32_t block, int32_t row, int32_t i) {
  return static_cast<float>((((kv * 10 + layer) * 100 + block) * 100 + row) * 100 + i);
}

TEST(KvCacheTest, StartsZeroedAndEveryRowIsDistinctAndWritable) {
  const int32_t n_layer = 3, n_embd = 6, n_blocks = 5, bs = 4;
  Result<KvCache> r = KvCache::create(params(n_layer, n_embd, n_blocks, bs));
  ASSERT_TRUE(r.ok());
  KvCache& kv = *r;
  for (int32_t l = 0; l < n_layer; ++l) {
    for (int32_t b = 0; b < n_blocks; ++b) {
      for (int32_t p = 0; p < bs; ++p) {
        for (int32_t i = 0; i < n_embd; ++i) {
          ASSERT_EQ(kf(kv, l, b, p, i), 0.0f);
          ASSERT_EQ(vf(kv, l, b, p, i), 0.0f);
          kf(kv, l, b, p, i) = tag(0, l, b, p, i);
          vf(kv, l, b, p, i) = tag(1, l, b, p, i);
        }
      }
    }
  }
  // Read back: an overlap between any two rows would have overwritten one of them.
  for (int32_t l = 0; l < n_layer; ++l) {
    for (int32_t b = 0; b < n_blocks; ++b) {
      for (int32_t p = 0; p < bs; ++p) {
        for (int32_t i = 0; i < n_embd; ++i) {
          ASSERT_EQ(kf(kv, l, b, p, i), tag(0, l, b, p, i)) << l << " " << b << " " << p << " " << i;
          ASSERT_EQ(vf(kv, l, b, p, i), tag(1, l, b, p, i)) << l << " " << b << " " << p << " " << i;
        }
      }
    }
  }
}

TEST(KvCacheTest, RowsAndBlocksFollowTheStrides) {
  // Attention addresses key j of a block table as base + block * block_stride + row * n_embd_kv.
  Result<KvCache> r = KvCache::create(params(2, 5, 3, 4));
  ASSERT_TRUE(r.ok());
  for (int32_t l = 0; l < 2; ++l) {
    for (int32_t b = 0; b < 3; ++b) {
      for (int32_t p = 0; p < 4; ++p) {
        EXPECT_EQ(static_cast<float*>(r->k(l, b, p)) - static_cast<float*>(r->k(l, 0, 0)), b * r->block_stride() + p * 5);
        EXPECT_EQ(static_cast<float*>(r->v(l, b, p)) - static_cast<float*>(r->v(l, 0, 0)), b * r->block_stride() + p * 5);
      }
    }
    EXPECT_NE(r->k(l, 0, 0), r->v(l, 0, 0));
  }
}

TEST(KvCacheTest, CopyBlockCopiesEveryLayerKAndVAndNothingElse) {
  const int32_t n_layer = 2, n_embd = 3, n_blocks = 4, bs = 2;
  Result<KvCache> r = KvCache::create(params(n_layer, n_embd, n_blocks, bs));
  ASSERT_TRUE(r.ok());
  KvCache& kv = *r;
  for (int32_t l = 0; l < n_layer; ++l)
    for (int32_t b = 0; b < n_blocks; ++b)
      for (int32_t p = 0; p < bs; ++p)
        for (int32_t i = 0; i < n_embd; ++i) {
          kf(kv, l, b, p, i) = tag(0, l, b, p, i);
          vf(kv, l, b, p, i) = tag(1, l, b, p, i);
        }
  kv.copy_block(1, 3);
  for (int32_t l = 0; l < n_layer; ++l)
    for (int32_t b = 0; b < n_blocks; ++b)
      for (int32_t p = 0; p < bs; ++p)
        for (int32_t i = 0; i < n_embd; ++i) {
          const int32_t from = b == 3 ? 1 : b;
          EXPECT_EQ(kf(kv, l, b, p, i), tag(0, l, from, p, i));
          EXPECT_EQ(vf(kv, l, b, p, i), tag(1, l, from, p, i));
        }
}

TEST(KvCacheTest, SurvivesAMove) {
  Result<KvCache> r = KvCache::create(params(2, 4, 2, 2));
  ASSERT_TRUE(r.ok());
  kf(*r, 1, 1, 1, 2) = 42.0f;
  vf(*r, 0, 0, 1, 0) = -7.0f;
  KvCache moved = std::move(r).value();
  EXPECT_EQ(kf(moved, 1, 1, 1, 2), 42.0f);
  EXPECT_EQ(vf(moved, 0, 0, 1, 0), -7.0f);
  EXPECT_EQ(moved.n_blocks(), 2);
}

TEST(KvCacheTest, HugeCacheIsResourceExhaustedNotACrash) {
  // Sizes a user can ask for with --ctx-size; none may abort the process.
  const KvCacheParams huge[] = {
      params(80, 8192, kMaxI32 / 16, 16),   // a 70B model at the largest n_ctx
      params(32, 1024, 1 << 20, 16),        // 16M positions of an 8B model
      params(kMaxI32, kMaxI32, kMaxI32, 4096),  // every product overflows 64 bits
      params(1, kMaxI32, kMaxI32, 1),
  };
  for (const KvCacheParams& p : huge) {
    Result<KvCache> r = KvCache::create(p);
    ASSERT_FALSE(r.ok()) << p.n_layer << " " << p.n_blocks << " " << p.n_embd_kv;
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().to_string();
  }
}

TEST(KvCacheTest, LargerThanMemoryIsResourceExhaustedNotACrash) {
  // An 8B model (32 layers, 1024 kv dims) at 2M positions: 2 x 256 GiB, within the
  // element cap but past the RAM of any machine this runs on. Allocating it would abort
  // under ASan or be OOM-killed under overcommit rather than throw.
  const KvCacheParams p = params(32, 1024, 1 << 17, 16);
  const double ram = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ram >= 512.0 * (1ull << 30)) GTEST_SKIP() << "this machine has 512 GiB or more";
  Result<KvCache> r = KvCache::create(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().to_string();
  EXPECT_NE(r.status().message().find("2097152"), std::string::npos) << r.status().message();
}

TEST(KvCacheTest, TypeNamesAreLlamaCpps) {
  for (const char* name : {"f32", "f16", "q8_0"}) {
    const std::optional<DType> t = kv_type_from_name(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(kv_type_name(*t), name);
  }
  for (const char* bad : {"F16", "q4_0", "bf16", "", "f16 "}) EXPECT_FALSE(kv_type_from_name(bad).has_value()) << bad;
  EXPECT_EQ(KvCacheParams{}.type_k, DType::kF16);  // F16 by default, as llama.cpp
  EXPECT_EQ(KvCacheParams{}.type_v, DType::kF16);
}

TEST(KvCacheTest, OtherTypesAndQ8RowsOfPartialBlocksAreInvalid) {
  for (DType t : {DType::kQ4_0, DType::kBF16, DType::kQ8_1}) {
    EXPECT_EQ(KvCache::create(params(2, 64, 4, 16, t, DType::kF16)).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(KvCache::create(params(2, 64, 4, 16, DType::kF16, t)).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(KvCache::create(params(2, 48, 4, 16, DType::kQ8_0, DType::kF16)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KvCache::create(params(2, 48, 4, 16, DType::kF16, DType::kQ8_0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(KvCache::create(params(2, 48, 4, 16, DType::kF16, DType::kF16)).ok());
}

TEST(KvCacheTest, BytesPerBlockFollowTheTypes) {
  // 3 layers x 16 rows x 64 elements: F32 256 B a row, F16 128 B, Q8_0 2 blocks of 34 B.
  const struct { DType k, v; uint64_t row_bytes; } cases[] = {
      {DType::kF32, DType::kF32, 512}, {DType::kF16, DType::kF16, 256},
      {DType::kQ8_0, DType::kQ8_0, 136}, {DType::kF16, DType::kQ8_0, 128 + 68},
  };
  for (const auto& c : cases) {
    Result<KvCache> r = KvCache::create(params(3, 64, 5, 16, c.k, c.v));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->bytes_per_block(), c.row_bytes * 16 * 3);
    EXPECT_EQ(r->capacity_bytes(), c.row_bytes * 16 * 3 * 5);
    EXPECT_EQ(kv_bytes_per_token(3, 64, c.k, c.v), c.row_bytes * 3);
  }
}

// Rows written as floats read back as the type rounds them: F16 to the nearest half,
// Q8_0 to within half a step of its block's scale; copy_block moves the stored bits.
TEST(KvCacheTest, TypedRowsRoundTripAndCopy) {
  const int32_t n = 64;
  std::vector<float> row(n);
  for (int32_t i = 0; i < n; ++i) row[static_cast<size_t>(i)] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  for (DType t : {DType::kF32, DType::kF16, DType::kQ8_0}) {
    Result<KvCache> r = KvCache::create(params(2, n, 4, 4, t, t));
    ASSERT_TRUE(r.ok());
    KvCache& kv = *r;
    kv.write_k(1, 2, 3, row.data());
    std::vector<float> neg(row);
    for (float& x : neg) x = -x;
    kv.write_v(1, 2, 3, neg.data());
    kv.copy_block(2, 0);
    std::vector<float> k(n), v(n), k0(n), v0(n), other(n);
    kv.read_k(1, 2, 3, k.data());
    kv.read_v(1, 2, 3, v.data());
    kv.read_k(1, 0, 3, k0.data());
    kv.read_v(1, 0, 3, v0.data());
    kv.read_k(0, 2, 3, other.data());  // another layer: untouched, zero
    for (int32_t i = 0; i < n; ++i) {
      const size_t u = static_cast<size_t>(i);
      const float tol = t == DType::kF32 ? 0.0f : t == DType::kF16 ? std::fabs(row[u]) * 0x1p-11f : 3.0f / 127.0f;
      EXPECT_NEAR(k[u], row[u], tol) << kv_type_name(t) << " " << i;
      EXPECT_NEAR(v[u], -row[u], tol) << kv_type_name(t) << " " << i;
      if (t == DType::kF16) {
        EXPECT_EQ(k[u], fp16_to_f32(f32_to_fp16(row[u])));
      }
      EXPECT_EQ(k0[u], k[u]);
      EXPECT_EQ(v0[u], v[u]);
      EXPECT_EQ(other[u], 0.0f);
    }
  }
}

}  // namespace
}  // namespace herd
