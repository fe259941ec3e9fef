#include "tokenizer/bpe_word_hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace herd {
namespace {

TEST(WordHash, HeadIsTheFirstEightBytesZeroPadded) {
  const std::string text = "\x01\x82\x03\xF4\x05\x06\x07\x88\x09\x0A\x0B\x0C";
  for (size_t n = 0; n <= text.size(); ++n) {
    const std::string_view s(text.data(), n);
    uint64_t want = 0;
    std::memcpy(&want, s.data(), n < 8 ? n : 8);
    EXPECT_EQ(word_head(s), want) << n;
  }
}

TEST(WordHash, DependsOnEveryByteAndTheLength) {
  std::set<uint64_t> seen;
  std::string s;
  for (size_t n = 0; n < 40; ++n) {
    EXPECT_TRUE(seen.insert(word_hash(s)).second) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ 1);
      EXPECT_TRUE(seen.insert(word_hash(t)).second) << n << " " << i;
    }
    s += 'a';
  }
  EXPECT_EQ(word_hash("hello"), word_hash(std::string("hello")));
}

}  // namespace
}  // namespace herd
