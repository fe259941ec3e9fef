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

TEST(KvCacheTest, NonPositiveParamsAreInvalid) {
  const KvCacheParams bad[] = {
      {0, 16, 8},  {-1, 16, 8}, {2, 0, 8},        {2, -16, 8},      {2, 16, 0},
      {2, 16, -8}, {0, 0, 0},   {kMaxI32, -1, 8}, {-kMaxI32, 1, 1}, {1, 1, std::numeric_limits<int32_t>::min()},
  };
  for (const KvCacheParams& p : bad) {
    Result<KvCache> r = KvCache::create(p);
    ASSERT_FALSE(r.ok()) << p.n_layer << " " << p.n_ctx << " " << p.n_embd_kv;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().to_string();
  }
}

TEST(KvCacheTest, ReportsItsShape) {
  Result<KvCache> r = KvCache::create({3, 17, 12});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->n_ctx(), 17);
  EXPECT_EQ(r->n_embd_kv(), 12);
}

TEST(KvCacheTest, StartsZeroed) {
  Result<KvCache> r = KvCache::create({2, 5, 3});
  ASSERT_TRUE(r.ok());
  for (int32_t l = 0; l < 2; ++l) {
    for (int32_t p = 0; p < 5; ++p) {
      for (int32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r->k(l, p)[i], 0.0f);
        EXPECT_EQ(r->v(l, p)[i], 0.0f);
      }
    }
  }
}

// A value unique to (K or V, layer, pos, element).
float tag(int kv, int32_t layer, int32_t pos, int32_t i) {
  return static_cast<float>(((kv * 10 + layer) * 1000 + pos) * 100 + i);
}

TEST(KvCacheTest, EveryRowIsDistinctAndWritable) {
  const int32_t n_layer = 4, n_ctx = 9, n_embd = 6;
  Result<KvCache> r = KvCache::create({n_layer, n_ctx, n_embd});
  ASSERT_TRUE(r.ok());
  KvCache& kv = *r;
  // Write every element of every row (ASan flags any row that runs past its buffer).
  for (int32_t l = 0; l < n_layer; ++l) {
    for (int32_t p = 0; p < n_ctx; ++p) {
      for (int32_t i = 0; i < n_embd; ++i) {
        kv.k(l, p)[i] = tag(0, l, p, i);
        kv.v(l, p)[i] = tag(1, l, p, i);
      }
    }
  }
  // Read back: an overlap between any two rows would have overwritten one of them.
  const KvCache& ckv = kv;
  for (int32_t l = 0; l < n_layer; ++l) {
    for (int32_t p = 0; p < n_ctx; ++p) {
      EXPECT_EQ(ckv.k(l, p), kv.k(l, p));
      EXPECT_EQ(ckv.v(l, p), kv.v(l, p));
      for (int32_t i = 0; i < n_embd; ++i) {
        ASSERT_EQ(ckv.k(l, p)[i], tag(0, l, p, i)) << "k layer " << l << " pos " << p << " i " << i;
        ASSERT_EQ(ckv.v(l, p)[i], tag(1, l, p, i)) << "v layer " << l << " pos " << p << " i " << i;
      }
    }
  }
}

TEST(KvCacheTest, RowsOfALayerAreContiguousByPosition) {
  // Attention walks positions 0..n-1 of one layer; row p+1 follows row p.
  Result<KvCache> r = KvCache::create({3, 8, 5});
  ASSERT_TRUE(r.ok());
  for (int32_t l = 0; l < 3; ++l) {
    for (int32_t p = 0; p + 1 < 8; ++p) {
      EXPECT_EQ(r->k(l, p + 1) - r->k(l, p), 5);
      EXPECT_EQ(r->v(l, p + 1) - r->v(l, p), 5);
    }
    EXPECT_NE(r->k(l, 0), r->v(l, 0));
  }
}

TEST(KvCacheTest, SurvivesAMove) {
  Result<KvCache> r = KvCache::create({2, 4, 4});
  ASSERT_TRUE(r.ok());
  r->k(1, 3)[2] = 42.0f;
  r->v(0, 1)[0] = -7.0f;
  KvCache moved = std::move(r).value();
  EXPECT_EQ(moved.k(1, 3)[2], 42.0f);
  EXPECT_EQ(moved.v(0, 1)[0], -7.0f);
  EXPECT_EQ(moved.n_ctx(), 4);
}

TEST(KvCacheTest, HugeContextIsResourceExhaustedNotACrash) {
  // Sizes a user can ask for with --ctx-size; none may abort the process.
  const KvCacheParams huge[] = {
      {80, kMaxI32, 8192},       // a 70B model at the largest n_ctx
      {32, 1 << 24, 1024},       // 16M positions of an 8B model
      {kMaxI32, kMaxI32, kMaxI32},  // every product overflows 64 bits
      {1, kMaxI32, kMaxI32},
  };
  for (const KvCacheParams& p : huge) {
    Result<KvCache> r = KvCache::create(p);
    ASSERT_FALSE(r.ok()) << p.n_layer << " " << p.n_ctx << " " << p.n_embd_kv;
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().to_string();
    EXPECT_NE(r.status().message().find(std::to_string(p.n_ctx)), std::string::npos) << r.status().message();
  }
}

TEST(KvCacheTest, LargerThanMemoryIsResourceExhaustedNotACrash) {
  // An 8B model (32 layers, 1024 kv dims) at 2M positions: 2 x 256 GiB, within the
  // element cap but past the RAM of any machine this runs on. Allocating it would abort
  // under ASan or be OOM-killed under overcommit rather than throw.
  const KvCacheParams p{32, 1 << 21, 1024};
  const double ram = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ram >= 512.0 * (1ull << 30)) GTEST_SKIP() << "this machine has 512 GiB or more";
  Result<KvCache> r = KvCache::create(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().to_string();
  EXPECT_NE(r.status().message().find(std::to_string(p.n_ctx)), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace herd
