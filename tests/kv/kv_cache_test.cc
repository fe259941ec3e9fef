#include "kv/kv_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace herd {
namespace {

constexpr int32_t kMaxI32 = std::numeric_limits<int32_t>::max();

KvCacheParams params(int32_t n_layer, int32_t n_embd_kv, int32_t n_blocks, int32_t block_size) {
  KvCacheParams p;
  p.n_layer = n_layer;
  p.n_embd_kv = n_embd_kv;
  p.n_blocks = n_blocks;
  p.block_size = block_size;
  return p;
}

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
          ASSERT_EQ(kv.k(l, b, p)[i], 0.0f);
          ASSERT_EQ(kv.v(l, b, p)[i], 0.0f);
          kv.k(l, b, p)[i] = tag(0, l, b, p, i);
          kv.v(l, b, p)[i] = tag(1, l, b, p, i);
        }
      }
    }
  }
  // Read back: an overlap between any two rows would have overwritten one of them.
  const KvCache& ckv = kv;
  for (int32_t l = 0; l < n_layer; ++l) {
    for (int32_t b = 0; b < n_blocks; ++b) {
      for (int32_t p = 0; p < bs; ++p) {
        for (int32_t i = 0; i < n_embd; ++i) {
          ASSERT_EQ(ckv.k(l, b, p)[i], tag(0, l, b, p, i)) << l << " " << b << " " << p << " " << i;
          ASSERT_EQ(ckv.v(l, b, p)[i], tag(1, l, b, p, i)) << l << " " << b << " " << p << " " << i;
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
        EXPECT_EQ(r->k(l, b, p) - r->k(l, 0, 0), b * r->block_stride() + p * 5);
        EXPECT_EQ(r->v(l, b, p) - r->v(l, 0, 0), b * r->block_stride() + p * 5);
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
          kv.k(l, b, p)[i] = tag(0, l, b, p, i);
          kv.v(l, b, p)[i] = tag(1, l, b, p, i);
        }
  kv.copy_block(1, 3);
  for (int32_t l = 0; l < n_layer; ++l)
    for (int32_t b = 0; b < n_blocks; ++b)
      for (int32_t p = 0; p < bs; ++p)
        for (int32_t i = 0; i < n_embd; ++i) {
          const int32_t from = b == 3 ? 1 : b;
          EXPECT_EQ(kv.k(l, b, p)[i], tag(0, l, from, p, i));
          EXPECT_EQ(kv.v(l, b, p)[i], tag(1, l, from, p, i));
        }
}

TEST(KvCacheTest, SurvivesAMove) {
  Result<KvCache> r = KvCache::create(params(2, 4, 2, 2));
  ASSERT_TRUE(r.ok());
  r->k(1, 1, 1)[2] = 42.0f;
  r->v(0, 0, 1)[0] = -7.0f;
  KvCache moved = std::move(r).value();
  EXPECT_EQ(moved.k(1, 1, 1)[2], 42.0f);
  EXPECT_EQ(moved.v(0, 0, 1)[0], -7.0f);
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

}  // namespace
}  // namespace herd
