#include "tokenizer/bpe_merges.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tokenizer_test_util.h"

namespace herd {
namespace {

Vocab small_vocab(std::vector<std::string> tokens, std::vector<std::string> merges) {
  VocabParams p;
  p.model = "gpt2";
  p.tokens = std::move(tokens);
  p.merges = std::move(merges);
  Result<Vocab> v = Vocab::create(std::move(p));
  EXPECT_TRUE(v.ok());
  return std::move(v).value();
}

TEST(BpeMergeTable, RanksAndResults) {
  const Vocab v = small_vocab({"a", "b", "c", "ab", "abc", "bc"}, {"a b", "ab c", "b c"});
  const BpeMergeTable t = BpeMergeTable::build(v).value();
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.find(0, 1).rank, 0);
  EXPECT_EQ(t.find(0, 1).id, 3);
  EXPECT_EQ(t.find(3, 2).rank, 1);
  EXPECT_EQ(t.find(3, 2).id, 4);
  EXPECT_EQ(t.find(1, 2).rank, 2);
  EXPECT_EQ(t.find(1, 0).rank, -1);  // order matters
  EXPECT_EQ(t.find(-1, 0).rank, -1);
  EXPECT_EQ(t.rank(0, 6), -1);  // ids past the vocab merge with nothing
  EXPECT_EQ(t.rank(6, 0), -1);
  EXPECT_EQ(t.merged(t.rank(3, 2)), 4);
}

TEST(BpeMergeTable, SkipsBadEntriesAndKeepsFirstDuplicate) {
  const Vocab v = small_vocab({"a", "b", "ab"},
                              {"a x", "nospace", "b a", "a b", "a b"});  // "ba" is not a token
  const BpeMergeTable t = BpeMergeTable::build(v).value();
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(0, 1).rank, 3);
  EXPECT_EQ(t.find(1, 0).rank, -1);
}

TEST(BpeMergeTable, EmptyWithoutMerges) {
  const BpeMergeTable t = BpeMergeTable::build(small_vocab({"a"}, {})).value();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find(0, 0).rank, -1);
}

}  // namespace
}  // namespace herd
