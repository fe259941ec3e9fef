#include "kv/block_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace herd {
namespace {

BlockAllocator make(int32_t n_blocks, int32_t block_size = 4, uint64_t hash_mask = ~uint64_t{0}) {
  return BlockAllocator(BlockAllocatorParams{.n_blocks = n_blocks, .block_size = block_size, .hash_mask = hash_mask});
}

std::vector<int32_t> toks(int32_t first, int32_t n = 4) {
  std::vector<int32_t> t;
  for (int32_t i = 0; i < n; ++i) t.push_back(first + i);
  return t;
}

void expect_counts(const BlockAllocator& a, int32_t used, int32_t cached, int32_t free) {
  EXPECT_EQ(a.n_used(), used);
  EXPECT_EQ(a.n_cached(), cached);
  EXPECT_EQ(a.n_free(), free);
  EXPECT_EQ(a.n_used() + a.n_free(), a.n_total());
}

// The pool grows: ids in order, a released block before a new one, evicting a cached
// block only once the capacity is reached. n_grown() (what the KV memory is sized by)
// never exceeds the blocks the load needed at once.
TEST(BlockAllocatorTest, GrowsBlockByBlockAndReusesBeforeGrowing) {
  BlockAllocator a = make(6);
  EXPECT_EQ(a.n_grown(), 0);
  EXPECT_EQ(a.n_total(), 6);
  EXPECT_EQ(a.allocate(), 0);
  EXPECT_EQ(a.allocate(), 1);
  EXPECT_EQ(a.n_grown(), 2);
  a.release(0);
  EXPECT_EQ(a.allocate(), 0);  // reused, the pool does not grow
  EXPECT_EQ(a.n_grown(), 2);
  const int32_t b2 = a.allocate();
  EXPECT_EQ(b2, 2);
  ASSERT_TRUE(a.publish(b2, kNoBlock, toks(10)));
  a.release(b2);  // cached, unreferenced
  for (int32_t want = 3; want < 6; ++want) EXPECT_EQ(a.allocate(), want);  // grows before evicting
  EXPECT_EQ(a.n_grown(), 6);
  EXPECT_NE(a.find(kNoBlock, toks(10)), kNoBlock);
  EXPECT_EQ(a.allocate(), b2);  // full: now the cached block is evicted
  EXPECT_EQ(a.find(kNoBlock, toks(10)), kNoBlock);
  EXPECT_EQ(a.allocate(), kNoBlock);
  expect_counts(a, 6, 0, 0);
}

TEST(BlockAllocatorTest, FreshPoolHandsOutEveryBlockOnceThenNone) {
  BlockAllocator a = make(4);
  expect_counts(a, 0, 0, 4);
  std::set<int32_t> got;
  for (int i = 0; i < 4; ++i) got.insert(a.allocate());
  EXPECT_EQ(got, (std::set<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(a.allocate(), kNoBlock);
  expect_counts(a, 4, 0, 0);
  for (int32_t b : got) EXPECT_EQ(a.ref_count(b), 1);
}

TEST(BlockAllocatorTest, ReferencesCountAndTheLastReleaseFrees) {
  BlockAllocator a = make(2);
  const int32_t b = a.allocate();
  a.retain(b);
  a.retain(b);
  EXPECT_EQ(a.ref_count(b), 3);
  a.release(b);
  a.release(b);
  expect_counts(a, 1, 0, 1);
  a.release(b);
  EXPECT_EQ(a.ref_count(b), 0);
  expect_counts(a, 0, 0, 2);
  EXPECT_FALSE(a.is_cached(b));
}

TEST(BlockAllocatorTest, PublishedBlockIsFoundOnlyUnderItsExactPrefix) {
  BlockAllocator a = make(4);
  const int32_t b0 = a.allocate();
  const int32_t b1 = a.allocate();
  ASSERT_TRUE(a.publish(b0, kNoBlock, toks(0)));
  ASSERT_TRUE(a.publish(b1, b0, toks(4)));
  EXPECT_EQ(a.find(kNoBlock, toks(0)), b0);
  EXPECT_EQ(a.find(b0, toks(4)), b1);
  EXPECT_EQ(a.find(kNoBlock, toks(4)), kNoBlock);  // right tokens, wrong parent
  EXPECT_EQ(a.find(b0, toks(5)), kNoBlock);
  EXPECT_EQ(a.find(b0, std::vector<int32_t>{4, 5, 6, 8}), kNoBlock);  // differs in the last token
  EXPECT_EQ(a.prefix_hash(b0), BlockAllocator::chain_hash(BlockAllocator::kRootHash, toks(0)));
  EXPECT_EQ(a.prefix_hash(b1), BlockAllocator::chain_hash(a.prefix_hash(b0), toks(4)));
  EXPECT_EQ(a.ref_count(b0), 1);  // find takes no reference
}

TEST(BlockAllocatorTest, ChainHashDependsOnParentOrderAndEveryToken) {
  const auto h = [](uint64_t parent, std::vector<int32_t> t) { return BlockAllocator::chain_hash(parent, t); };
  const uint64_t base = h(1, {1, 2, 3, 4});
  EXPECT_EQ(base, h(1, {1, 2, 3, 4}));
  EXPECT_NE(base, h(2, {1, 2, 3, 4}));
  EXPECT_NE(base, h(1, {2, 1, 3, 4}));
  EXPECT_NE(base, h(1, {1, 2, 4, 3}));
  EXPECT_NE(base, h(1, {1, 2, 3, 5}));
  EXPECT_NE(base, h(1, {1, 2, 3, 4, 0}));
  EXPECT_NE(h(1, {-1, 0}), h(1, {0, -1}));
}

TEST(BlockAllocatorTest, LookupTakesAReferenceAndRevivesAnUnreferencedCachedBlock) {
  BlockAllocator a = make(3);
  const int32_t b = a.allocate();
  ASSERT_TRUE(a.publish(b, kNoBlock, toks(0)));
  a.release(b);
  EXPECT_TRUE(a.is_cached(b));
  expect_counts(a, 0, 1, 3);
  EXPECT_EQ(a.lookup(kNoBlock, toks(0)), b);
  EXPECT_EQ(a.ref_count(b), 1);
  expect_counts(a, 1, 0, 2);
  EXPECT_EQ(a.lookup(kNoBlock, toks(0)), b);
  EXPECT_EQ(a.ref_count(b), 2);
  EXPECT_EQ(a.lookup(kNoBlock, toks(1)), kNoBlock);
  EXPECT_EQ(a.ref_count(b), 2);
}

TEST(BlockAllocatorTest, FreeListIsUsedBeforeAnyCachedBlockIsEvicted) {
  BlockAllocator a = make(3);
  const int32_t c = a.allocate();
  ASSERT_TRUE(a.publish(c, kNoBlock, toks(0)));
  a.release(c);
  const int32_t x = a.allocate();
  const int32_t y = a.allocate();
  EXPECT_NE(x, c);
  EXPECT_NE(y, c);
  EXPECT_TRUE(a.is_cached(c));
  expect_counts(a, 2, 1, 1);
  EXPECT_EQ(a.allocate(), c);  // now the cached one goes
  EXPECT_FALSE(a.is_cached(c));
  EXPECT_EQ(a.prefix_hash(c), 0u);
  EXPECT_EQ(a.find(kNoBlock, toks(0)), kNoBlock);
  EXPECT_EQ(a.allocate(), kNoBlock);
}

TEST(BlockAllocatorTest, EvictsLeastRecentlyReleasedFirst) {
  BlockAllocator a = make(3);
  std::vector<int32_t> b;
  for (int i = 0; i < 3; ++i) {
    b.push_back(a.allocate());
    ASSERT_TRUE(a.publish(b[i], kNoBlock, toks(10 * i)));
  }
  a.release(b[1]);
  a.release(b[0]);
  a.release(b[2]);
  expect_counts(a, 0, 3, 3);
  // Re-referencing b[1] and dropping it again makes it the most recent.
  EXPECT_EQ(a.lookup(kNoBlock, toks(10)), b[1]);
  a.release(b[1]);
  EXPECT_EQ(a.allocate(), b[0]);
  EXPECT_EQ(a.allocate(), b[2]);
  EXPECT_EQ(a.find(kNoBlock, toks(10)), b[1]);
  EXPECT_EQ(a.allocate(), b[1]);
  EXPECT_EQ(a.allocate(), kNoBlock);
}

TEST(BlockAllocatorTest, ReferencedCachedBlocksAreNeverEvicted) {
  BlockAllocator a = make(2);
  const int32_t b = a.allocate();
  ASSERT_TRUE(a.publish(b, kNoBlock, toks(0)));
  const int32_t other = a.allocate();
  EXPECT_NE(other, kNoBlock);
  EXPECT_EQ(a.allocate(), kNoBlock);
  EXPECT_TRUE(a.is_cached(b));
  EXPECT_EQ(a.ref_count(b), 1);
}

TEST(BlockAllocatorTest, IdenticalPrefixIsPublishedOnce) {
  BlockAllocator a = make(4);
  const int32_t b0 = a.allocate();
  const int32_t b1 = a.allocate();
  ASSERT_TRUE(a.publish(b0, kNoBlock, toks(0)));
  EXPECT_FALSE(a.publish(b1, kNoBlock, toks(0)));
  EXPECT_FALSE(a.is_cached(b1));
  a.release(b1);
  expect_counts(a, 1, 0, 3);  // b1 went to the free list, not the cache
}

TEST(BlockAllocatorTest, ChildOfAnUncachedParentIsNotPublished) {
  BlockAllocator a = make(4);
  const int32_t parent = a.allocate();
  const int32_t child = a.allocate();
  EXPECT_FALSE(a.publish(child, parent, toks(4)));
  EXPECT_EQ(a.find(parent, toks(4)), kNoBlock);
}

TEST(BlockAllocatorTest, EvictedParentOrphansItsChildrenEvenWhenTheSamePrefixReturns) {
  BlockAllocator a = make(3);
  const int32_t p = a.allocate();
  const int32_t c = a.allocate();
  ASSERT_TRUE(a.publish(p, kNoBlock, toks(0)));
  ASSERT_TRUE(a.publish(c, p, toks(4)));
  a.release(p);  // p is released first, so it is evicted first
  a.release(c);
  const int32_t filler = a.allocate();  // the free block
  const int32_t reused = a.allocate();  // evicts p
  EXPECT_EQ(reused, p);
  EXPECT_NE(filler, c);
  // The same first block comes back in a different block id with the same hash.
  a.release(filler);
  const int32_t p2 = a.allocate();
  ASSERT_TRUE(a.publish(p2, kNoBlock, toks(0)));
  EXPECT_EQ(a.prefix_hash(p2), BlockAllocator::chain_hash(BlockAllocator::kRootHash, toks(0)));
  // c was published under the old p: it is unreachable from the new one...
  EXPECT_EQ(a.find(p2, toks(4)), kNoBlock);
  // ...and a block for the same prefix can be published afresh.
  a.release(reused);
  const int32_t c2 = a.allocate();
  EXPECT_NE(c2, c);
  EXPECT_TRUE(a.publish(c2, p2, toks(4)));
  EXPECT_EQ(a.find(p2, toks(4)), c2);
}

// With every hash equal, lookups still return exactly the block with the same
// tokens under the same parent: the hash only narrows the search.
TEST(BlockAllocatorTest, HashCollisionsNeverMixUpPrefixes) {
  BlockAllocator a = make(64, 4, /*hash_mask=*/0);
  std::vector<int32_t> roots;
  for (int32_t i = 0; i < 8; ++i) {
    roots.push_back(a.allocate());
    ASSERT_TRUE(a.publish(roots[i], kNoBlock, toks(i)));
  }
  std::vector<std::vector<int32_t>> children(8);
  for (int32_t i = 0; i < 8; ++i) {
    for (int32_t j = 0; j < 4; ++j) {
      children[i].push_back(a.allocate());
      ASSERT_TRUE(a.publish(children[i][j], roots[i], toks(100 + j)));
    }
  }
  for (int32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(a.prefix_hash(roots[i]), 0u);
    EXPECT_EQ(a.find(kNoBlock, toks(i)), roots[i]);
    for (int32_t j = 0; j < 4; ++j) EXPECT_EQ(a.find(roots[i], toks(100 + j)), children[i][j]);
    EXPECT_EQ(a.find(roots[i], toks(104)), kNoBlock);
  }
  EXPECT_EQ(a.find(kNoBlock, toks(100)), kNoBlock);
  // Publishing a different prefix with the same (collided) hash is fine; the same
  // prefix again is refused.
  const int32_t extra = a.allocate();
  EXPECT_TRUE(a.publish(extra, roots[0], toks(200)));
  const int32_t dup = a.allocate();
  EXPECT_FALSE(a.publish(dup, roots[0], toks(200)));
}

// Random retain/release/publish/evict against a model of the reference counts.
TEST(BlockAllocatorTest, RandomOperationsKeepCountsConsistent) {
  std::mt19937 rng(7);
  BlockAllocator a = make(16, 2, /*hash_mask=*/3);  // few hash values: many collisions
  std::vector<int32_t> refs(16, 0);
  std::vector<int32_t> held;  // one entry per reference we hold
  for (int iter = 0; iter < 20000; ++iter) {
    const int op = static_cast<int>(rng() % 4);
    if (op == 0) {
      const int32_t b = a.allocate();
      if (b == kNoBlock) {
        EXPECT_EQ(a.n_free(), 0);
        continue;
      }
      EXPECT_EQ(refs[b], 0);
      ++refs[b];
      held.push_back(b);
      // Small token alphabet: lots of identical prefixes compete.
      const std::vector<int32_t> t{static_cast<int32_t>(rng() % 3), static_cast<int32_t>(rng() % 3)};
      const int32_t hit = a.find(kNoBlock, t);
      if (hit == kNoBlock) {
        EXPECT_TRUE(a.publish(b, kNoBlock, t));
        EXPECT_EQ(a.find(kNoBlock, t), b);
      } else {
        EXPECT_NE(hit, b);
        EXPECT_FALSE(a.publish(b, kNoBlock, t));
      }
    } else if (op == 1 && !held.empty()) {
      const size_t i = rng() % held.size();
      a.release(held[i]);
      --refs[held[i]];
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (op == 2 && !held.empty()) {
      const int32_t b = held[rng() % held.size()];
      a.retain(b);
      ++refs[b];
      held.push_back(b);
    } else if (op == 3) {
      const std::vector<int32_t> t{static_cast<int32_t>(rng() % 3), static_cast<int32_t>(rng() % 3)};
      const int32_t b = a.lookup(kNoBlock, t);
      if (b != kNoBlock) {
        ++refs[b];
        held.push_back(b);
      }
    }
    int32_t used = 0;
    for (int32_t b = 0; b < 16; ++b) {
      ASSERT_EQ(a.ref_count(b), refs[b]);
      used += refs[b] > 0;
    }
    ASSERT_EQ(a.n_used(), used);
    ASSERT_EQ(a.n_used() + a.n_free(), a.n_total());
  }
}

}  // namespace
}  // namespace herd
