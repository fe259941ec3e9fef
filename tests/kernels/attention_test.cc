#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "attention_cache.h"

namespace herd {
namespace {

using AttentionFn = void (*)(const float*, const AttentionSpan&, float*);

// Against double attention over the rows the cache holds (for F16 and Q8_0: what they
// dequantize to), so every cache type gets the same float-rounding tolerance.
void expect_close(AttentionFn fn, const std::string& what, DType type = DType::kF32) {
  for (int32_t head_dim : {4, 64, 80, 128, 320}) {
    if (!kv_type_fits(type, head_dim)) continue;
    const Cache cache = make_cache(head_dim, 3, 300, 5 + static_cast<uint32_t>(head_dim), type);
    for (int64_t n_keys : {1, 2, 31, 32, 33, 100, 290}) {
      for (float cap : {0.0f, 10.0f}) {
        // A large scale makes the softmax peaked and the running max move often.
        for (float scale : {0.125f, 4.0f}) {
          const std::vector<float> q = random_vec(static_cast<size_t>(head_dim), 9 + static_cast<uint32_t>(n_keys), -2.0f, 2.0f);
          const AttentionSpan s = cache.span(1, 7, n_keys, scale, cap);
          double max_score = 0.0;
          const std::vector<double> want = attention_double(q.data(), s, &max_score);
          // Scores are rounded to float: a weight is off by about |score| * 2^-24
          // relative, and every output is a weighted mean of values in [-1, 1].
          const double tol = 2e-6 + 4.0 * 0x1p-24 * max_score;
          std::vector<float> got(static_cast<size_t>(head_dim) + 1, 5.0f);
          fn(q.data(), s, got.data());
          for (int i = 0; i < head_dim; ++i) {
            ASSERT_NEAR(got[static_cast<size_t>(i)], want[static_cast<size_t>(i)], tol)
                << what << " " << kv_name(type) << " head_dim " << head_dim << " n_keys " << n_keys << " cap " << cap << " scale " << scale << " i " << i;
          }
          EXPECT_EQ(got.back(), 5.0f) << "wrote past head_dim";
        }
      }
    }
  }
}

TEST(AttentionRefTest, MatchesDoubleSoftmax) {
  for (DType type : kKvTypes) expect_close(&attention_head_ref, "ref", type);
}

TEST(AttentionTest, EveryVariantMatchesDoubleSoftmax) {
  for (KernelVariant v : supported_variants()) {
    for (DType type : kKvTypes) expect_close(kernel_table(v)->attention_head, std::string(kernel_variant_name(v)), type);
  }
}

TEST(AttentionTest, NoKeysGivesZeros) {
  const Cache cache = make_cache(8, 1, 4, 1);
  const std::vector<float> q = random_vec(8, 2, -1.0f, 1.0f);
  for (KernelVariant v : supported_variants()) {
    std::vector<float> out(8, 3.0f);
    kernel_table(v)->attention_head(q.data(), cache.span(0, 2, 0, 1.0f, 0.0f), out.data());
    for (float x : out) EXPECT_EQ(x, 0.0f) << kernel_variant_name(v);
  }
}

TEST(AttentionTest, OneKeyReturnsItsValue) {
  const Cache cache = make_cache(16, 2, 5, 3);
  const std::vector<float> q = random_vec(16, 4, -1.0f, 1.0f);
  std::vector<float> out(16);
  attention_head(q.data(), cache.span(1, 3, 1, 1.0f, 0.0f), out.data());
  for (int i = 0; i < 16; ++i) EXPECT_FLOAT_EQ(out[static_cast<size_t>(i)], cache.v[static_cast<size_t>(3 * 32 + 16 + i)]);
}

// The same keys scattered over shuffled blocks of a paged cache give bit-identical
// outputs: paging changes only where rows live, never the arithmetic.
TEST(AttentionTest, PagedCacheMatchesContiguousExactly) {
  const int32_t head_dim = 64, n_kv_heads = 2;
  const int64_t n_pos = 300;
  for (DType type : kKvTypes) {
    const Cache cache = make_cache(head_dim, n_kv_heads, n_pos, 11, type);
    const PagedCache pc = make_paged(cache, n_pos, 3);  // blocks of 8, shuffled
    for (KernelVariant v : supported_variants()) {
      for (int64_t first : {0, 5, 37}) {
        for (int64_t n_keys : {1, 8, 9, 100, 263}) {
          const AttentionSpan flat = cache.span(1, first, n_keys, 0.2f, 0.0f);
          const AttentionSpan paged = pc.paged(flat, 1);
          const std::vector<float> q = random_vec(static_cast<size_t>(head_dim), 3 + static_cast<uint32_t>(n_keys), -1.0f, 1.0f);
          std::vector<float> want(static_cast<size_t>(head_dim)), got(want.size());
          kernel_table(v)->attention_head(q.data(), flat, want.data());
          kernel_table(v)->attention_head(q.data(), paged, got.data());
          ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)))
              << kernel_variant_name(v) << " " << kv_name(type) << " first " << first << " n_keys " << n_keys;
        }
      }
    }
  }
}

}  // namespace
}  // namespace herd
