#include "tokenizer/bpe_word_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd {
namespace {

TEST(BpeWordCache, FindAndInsert) {
  BpeWordCache& c = BpeWordCache::for_owner(BpeWordCache::new_owner_id());
  std::vector<int32_t> out = {7};
  EXPECT_FALSE(c.find("hello", out));
  c.insert("hello", std::vector<int32_t>{1, 2});
  c.insert("", std::vector<int32_t>{});
  EXPECT_TRUE(c.find("hello", out));
  EXPECT_EQ(out, (std::vector<int32_t>{7, 1, 2}));
  EXPECT_TRUE(c.find("", out));
  EXPECT_EQ(out.size(), 3u);
  c.insert(std::string(BpeWordCache::kMaxWord + 1, 'x'), std::vector<int32_t>{3});
  EXPECT_FALSE(c.find(std::string(BpeWordCache::kMaxWord + 1, 'x'), out));
}

TEST(BpeWordCache, OwnersDoNotShare) {
  const uint64_t a = BpeWordCache::new_owner_id();
  const uint64_t b = BpeWordCache::new_owner_id();
  EXPECT_NE(a, b);
  BpeWordCache::for_owner(a).insert("w", std::vector<int32_t>{1});
  std::vector<int32_t> out;
  EXPECT_FALSE(BpeWordCache::for_owner(b).find("w", out));
  EXPECT_TRUE(BpeWordCache::for_owner(a).find("w", out));
  // A fifth owner on this thread recycles a slot; a recycled cache starts empty.
  for (int i = 0; i < 4; ++i) BpeWordCache::for_owner(BpeWordCache::new_owner_id());
  EXPECT_FALSE(BpeWordCache::for_owner(a).find("w", out));
}

TEST(BpeWordCache, KeepsEveryEntryAsItGrows) {
  BpeWordCache& c = BpeWordCache::for_owner(BpeWordCache::new_owner_id());
  constexpr int kWords = 5000;  // several doublings of the table, below kMaxEntries
  for (int i = 0; i < kWords; ++i) {
    c.insert("w" + std::to_string(i), std::vector<int32_t>{i, -i});
  }
  EXPECT_EQ(c.size(), static_cast<size_t>(kWords));
  for (int i = 0; i < kWords; ++i) {
    std::vector<int32_t> out;
    ASSERT_TRUE(c.find("w" + std::to_string(i), out)) << i;
    EXPECT_EQ(out, (std::vector<int32_t>{i, -i}));
  }
  std::vector<int32_t> out;
  EXPECT_FALSE(c.find("w" + std::to_string(kWords), out));
  c.insert("w1", std::vector<int32_t>{9});  // a word already in keeps its first ids
  EXPECT_TRUE(c.find("w1", out));
  EXPECT_EQ(out, (std::vector<int32_t>{1, -1}));
}

TEST(BpeWordCache, ClearsWhenFull) {
  BpeWordCache& c = BpeWordCache::for_owner(BpeWordCache::new_owner_id());
  for (size_t i = 0; i <= BpeWordCache::kMaxEntries; ++i) {
    c.insert(std::to_string(i), std::vector<int32_t>{static_cast<int32_t>(i)});
  }
  EXPECT_LE(c.size(), BpeWordCache::kMaxEntries);
  EXPECT_GE(c.size(), 1u);
}

}  // namespace
}  // namespace herd
