// attention_tile: every variant against attention in double, and the batch invariance
// the engine relies on: a row's output has the same bits whatever shares its tile.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "attention_cache.h"
#include "kernels/attention.h"
#include "kernels/kernel_table.h"

namespace herd {
namespace {

using TileFn = void (*)(const AttentionTile&, const AttentionSpan&);

// Queries of n_tokens tokens of n_heads heads each, one more head per token that no tile
// covers (its output must stay untouched), causal positions with an optional window.
struct Queries {
  int32_t head_dim = 0, n_heads = 0;
  std::vector<int64_t> pos;
  int32_t window = 0;  // > 0: a sliding window of this many keys
  std::vector<float> q, out;

  int64_t token_floats() const { return static_cast<int64_t>(n_heads + 1) * head_dim; }
  int64_t first(size_t t) const { return window > 0 ? std::max<int64_t>(0, pos[t] - window + 1) : 0; }
  const float* row_out(size_t t, int32_t h) const {
    return out.data() + static_cast<int64_t>(t) * token_floats() + h * head_dim;
  }

  // A tile of the tokens `tokens`, heads h0 .. h0 + n - 1.
  AttentionTile tile(const std::vector<size_t>& tokens, int32_t h0, int32_t n) {
    AttentionTile tl;
    tl.n_tokens = static_cast<int32_t>(tokens.size());
    tl.n_heads = n;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const size_t t = tokens[i];
      tl.q[i] = q.data() + static_cast<int64_t>(t) * token_floats() + h0 * head_dim;
      tl.out[i] = out.data() + static_cast<int64_t>(t) * token_floats() + h0 * head_dim;
      tl.first[i] = first(t);
      tl.n_keys[i] = pos[t] + 1 - first(t);
    }
    return tl;
  }
};

Queries make_queries(int32_t head_dim, int32_t n_heads, std::vector<int64_t> pos, int32_t window, uint32_t seed) {
  Queries qs;
  qs.head_dim = head_dim;
  qs.n_heads = n_heads;
  qs.pos = std::move(pos);
  qs.window = window;
  qs.q = random_vec(static_cast<size_t>(qs.token_floats()) * qs.pos.size(), seed, -2.0f, 2.0f);
  qs.out.assign(qs.q.size(), 5.0f);
  return qs;
}

// The same queries, outputs not yet written.
Queries fresh(const Queries& qs) {
  Queries c = qs;
  c.out.assign(c.out.size(), 5.0f);
  return c;
}

std::vector<size_t> all_tokens(const Queries& qs) {
  std::vector<size_t> t(qs.pos.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = i;
  return t;
}

// Against double attention over the rows the cache holds (for F16 and Q8_0: what they
// dequantize to), so every cache type gets the same float-rounding tolerance.
void expect_close(TileFn fn, const std::string& what, DType type) {
  for (int32_t head_dim : {8, 16, 48, 64, 80, 128, 256, 272, 288}) {
    if (!kv_type_fits(type, head_dim)) continue;
    const Cache cache = make_cache(head_dim, 2, 300, 3 + static_cast<uint32_t>(head_dim), type);
    for (const auto& [n_tokens, n_heads] : {std::pair{1, 1}, {1, 8}, {5, 3}, {8, 8}}) {
      for (int64_t pos0 : {0, 37, 250}) {
        for (int32_t window : {0, 20}) {
          for (const auto& [scale, cap] : {std::pair{0.125f, 0.0f}, {4.0f, 0.0f}, {0.5f, 10.0f}}) {
            std::vector<int64_t> pos;
            for (int t = 0; t < n_tokens; ++t) pos.push_back(pos0 + t);
            Queries qs = make_queries(head_dim, n_heads, pos, window, 7 + static_cast<uint32_t>(pos0));
            const AttentionSpan span = cache.span(1, 0, 0, scale, cap);
            fn(qs.tile(all_tokens(qs), 0, n_heads), span);
            for (size_t t = 0; t < pos.size(); ++t) {
              AttentionSpan row = span;
              row.first = qs.first(t);
              row.n_keys = pos[t] + 1 - row.first;
              for (int32_t h = 0; h <= n_heads; ++h) {
                const float* got = qs.row_out(t, h);
                if (h == n_heads) {  // the head outside the tile
                  for (int i = 0; i < head_dim; ++i) {
                    ASSERT_EQ(got[i], 5.0f) << what << " wrote outside the tile";
                  }
                  continue;
                }
                double max_score = 0.0, max_terms = 0.0;
                const std::vector<double> want =
                    attention_double(qs.q.data() + (got - qs.out.data()), row, &max_score, &max_terms);
                // A weight is off by about the score's rounding: |score| * 2^-24 plus what a
                // float dot of head_dim terms rounds (a few ulps of the largest |terms|);
                // every output is a weighted mean of values in [-1, 1].
                const double tol = 2e-6 + 0x1p-24 * (4.0 * max_score + 2.0 * max_terms);
                for (int i = 0; i < head_dim; ++i) {
                  ASSERT_NEAR(got[i], want[static_cast<size_t>(i)], tol)
                      << what << " " << kv_name(type) << " head_dim " << head_dim << " tile " << n_tokens << "x" << n_heads << " pos " << pos[t]
                      << " window " << window << " scale " << scale << " cap " << cap << " head " << h << " i " << i;
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST(AttentionTileTest, ReferenceMatchesDoubleSoftmax) {
  for (DType type : kKvTypes) expect_close(&attention_tile_ref, "ref", type);
}

TEST(AttentionTileTest, EveryVariantMatchesDoubleSoftmax) {
  for (KernelVariant v : supported_variants()) {
    for (DType type : kKvTypes) expect_close(kernel_table(v)->attention_tile, std::string(kernel_variant_name(v)), type);
  }
}

// The typed paths against the reference twin on the very same F16 / Q8_0 rows, K and V
// of different types included: the conversion must be exactly the reference's.
TEST(AttentionTileTest, TypedCachesMatchTheReferenceTwin) {
  for (KernelVariant v : supported_variants()) {
    for (DType tk : kKvTypes) {
      for (DType tv : kKvTypes) {
        const Cache ck = make_cache(64, 2, 120, 71, tk), cv = make_cache(64, 2, 120, 71, tv);
        AttentionSpan span = ck.span(1, 0, 0, 0.3f, 0.0f);
        span.v = cv.span(1, 0, 0, 0.3f, 0.0f).v;
        span.v_type = tv;
        Queries got = make_queries(64, 4, {0, 31, 32, 33, 119}, 0, 13);
        Queries want = fresh(got);
        kernel_table(v)->attention_tile(got.tile(all_tokens(got), 0, 4), span);
        attention_tile_ref(want.tile(all_tokens(want), 0, 4), span);
        for (size_t t = 0; t < 5; ++t) {
          for (int32_t h = 0; h < 4; ++h) {
            for (int i = 0; i < 64; ++i) {
              // Same rows, same maths; only the summation order differs (SIMD lanes).
              ASSERT_NEAR(got.row_out(t, h)[i], want.row_out(t, h)[i], 2e-5)
                  << kernel_variant_name(v) << " k " << kv_name(tk) << " v " << kv_name(tv) << " t " << t;
            }
          }
        }
      }
    }
  }
}

bool same_row(const Queries& a, size_t ta, const Queries& b, size_t tb, int32_t h) {
  return std::memcmp(a.row_out(ta, h), b.row_out(tb, h), static_cast<size_t>(a.head_dim) * sizeof(float)) == 0;
}

// Prefill computes a row among up to 8 x 8 others, decode alone or with the other heads
// of its token, a chunked prefill with other neighbours: the bits must not differ.
TEST(AttentionTileTest, ARowHasTheSameBitsWhateverSharesItsTile) {
  const int64_t n_pos = 300;
  for (KernelVariant v : supported_variants()) {
   for (DType type : kKvTypes) {
    const TileFn fn = kernel_table(v)->attention_tile;
    for (int32_t head_dim : {8, 64, 80, 128}) {
      if (!kv_type_fits(type, head_dim)) continue;
      const Cache cache = make_cache(head_dim, 2, n_pos, 21, type);
      const PagedCache paged = make_paged(cache, n_pos, 2);  // blocks of 4 rows
      for (int32_t window : {0, 21}) {
        for (float cap : {0.0f, 10.0f}) {
          const AttentionSpan span = paged.paged(cache.span(1, 0, 0, 0.3f, cap), 1);
          const std::vector<int64_t> pos = {40, 41, 42, 43, 44, 45, 46, 47, 3, 250, 299};
          const std::string what = std::string(kernel_variant_name(v)) + " " + kv_name(type) + " head_dim " + std::to_string(head_dim) +
                                   " window " + std::to_string(window) + " cap " + std::to_string(cap);
          // Alone: every row in a tile of its own.
          Queries alone = make_queries(head_dim, 8, pos, window, 5);
          for (size_t t = 0; t < pos.size(); ++t) {
            for (int32_t h = 0; h < 8; ++h) fn(alone.tile({t}, h, 1), span);
          }
          // Decode shape: one token, all heads.
          Queries decode = fresh(alone);
          for (size_t t = 0; t < pos.size(); ++t) fn(decode.tile({t}, 0, 8), span);
          // Prefill shape: eight consecutive positions times eight heads.
          Queries prefill = fresh(alone);
          fn(prefill.tile({0, 1, 2, 3, 4, 5, 6, 7}, 0, 8), span);
          // Other neighbours: far-apart positions (a gap the windows skip), another order,
          // some heads only.
          Queries mixed = fresh(alone);
          fn(mixed.tile({9, 3, 8, 10}, 0, 8), span);
          fn(mixed.tile({7, 0, 5}, 0, 3), span);
          fn(mixed.tile({7, 0, 5}, 3, 5), span);
          fn(mixed.tile({1, 2, 4, 6}, 0, 8), span);
          for (size_t t = 0; t < pos.size(); ++t) {
            for (int32_t h = 0; h < 8; ++h) {
              ASSERT_TRUE(same_row(alone, t, decode, t, h)) << what << " decode, pos " << pos[t] << " head " << h;
              ASSERT_TRUE(same_row(alone, t, mixed, t, h)) << what << " mixed, pos " << pos[t] << " head " << h;
              if (t < 8) {
                ASSERT_TRUE(same_row(alone, t, prefill, t, h)) << what << " prefill, pos " << pos[t] << " head " << h;
              }
            }
          }
        }
      }
    }
   }
  }
}

// Paging changes where rows live, never the arithmetic.
TEST(AttentionTileTest, PagedCacheMatchesContiguousExactly) {
  const int64_t n_pos = 200;
  for (DType type : kKvTypes) {
  const Cache cache = make_cache(64, 2, n_pos, 31, type);
  for (int32_t shift : {0, 3, 5}) {
    const PagedCache paged = make_paged(cache, n_pos, shift);
    for (KernelVariant v : supported_variants()) {
      const AttentionSpan flat = cache.span(1, 0, 0, 0.2f, 0.0f);
      Queries a = make_queries(64, 4, {0, 1, 17, 18, 19, 150, 199}, 0, 9);
      Queries b = fresh(a);
      kernel_table(v)->attention_tile(a.tile(all_tokens(a), 0, 4), flat);
      kernel_table(v)->attention_tile(b.tile(all_tokens(b), 0, 4), paged.paged(flat, 1));
      ASSERT_EQ(0, std::memcmp(a.out.data(), b.out.data(), a.out.size() * sizeof(float)))
          << kernel_variant_name(v) << " " << kv_name(type) << " block shift " << shift;
    }
  }
  }
}

TEST(AttentionTileTest, ARowWithoutKeysGivesZeros) {
  const Cache cache = make_cache(32, 1, 40, 41);
  for (KernelVariant v : supported_variants()) {
    Queries qs = make_queries(32, 2, {30, 31}, 0, 4);
    AttentionTile tile = qs.tile(all_tokens(qs), 0, 2);
    tile.n_keys[0] = 0;
    kernel_table(v)->attention_tile(tile, cache.span(0, 0, 0, 1.0f, 0.0f));
    for (int32_t h = 0; h < 2; ++h) {
      for (int i = 0; i < 32; ++i) EXPECT_EQ(qs.row_out(0, h)[i], 0.0f) << kernel_variant_name(v);
      EXPECT_NE(qs.row_out(1, h)[0], 0.0f) << kernel_variant_name(v);
    }
  }
}

}  // namespace
}  // namespace herd
