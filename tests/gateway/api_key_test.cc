#include "gateway/api_key.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace herd::gateway {
namespace {

TEST(ApiKeyTest, NewKeysHaveTheShapeAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    Result<std::string> key = new_api_key();
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    EXPECT_EQ(key->size(), kKeyLength);
    EXPECT_EQ(key->rfind("herd_", 0), 0u);
    EXPECT_TRUE(looks_like_api_key(*key)) << *key;
    EXPECT_TRUE(seen.insert(*key).second);
  }
  // 43 base62 characters carry at least 256 bits.
  EXPECT_GE(kKeyRandomChars * 5.954, 256.0);
}

TEST(ApiKeyTest, EveryCharacterIsEquallyLikely) {
  // Chi-square over 62 letters. A byte % 62 would make the first 8 letters 25% more likely
  // (statistic in the thousands here); a fair source gives about 61, rarely above 120.
  std::array<int64_t, 128> counts{};
  int64_t n = 0;
  for (int i = 0; i < 4000; ++i) {
    Result<std::string> key = new_api_key();
    ASSERT_TRUE(key.ok());
    for (size_t j = kKeyPrefix.size(); j < key->size(); ++j) {
      ++counts[static_cast<unsigned char>((*key)[j])];
      ++n;
    }
  }
  const double expected = static_cast<double>(n) / 62;
  double chi2 = 0;
  int letters = 0;
  for (int c = 0; c < 128; ++c) {
    if (counts[c] == 0) continue;
    ++letters;
    chi2 += (counts[c] - expected) * (counts[c] - expected) / expected;
  }
  EXPECT_EQ(letters, 62);
  EXPECT_LT(chi2, 150.0);
}

TEST(ApiKeyTest, ShapeCheckRefusesNearMisses) {
  const std::string good = "herd_" + std::string(kKeyRandomChars, 'a');
  EXPECT_TRUE(looks_like_api_key(good));
  EXPECT_FALSE(looks_like_api_key(""));
  EXPECT_FALSE(looks_like_api_key(good.substr(1)));
  EXPECT_FALSE(looks_like_api_key(good + "a"));
  EXPECT_FALSE(looks_like_api_key("hErd_" + good.substr(5)));
  EXPECT_FALSE(looks_like_api_key("sk-xx" + good.substr(5)));
  for (char bad : {'-', '_', '+', '/', '=', ' ', '\0', '\x80', '\xff', '{', '@', '[', '`'}) {
    for (size_t at : {size_t{5}, size_t{20}, kKeyLength - 1}) {
      std::string k = good;
      k[at] = bad;
      EXPECT_FALSE(looks_like_api_key(k)) << "char " << int(bad) << " at " << at;
    }
  }
}

TEST(ApiKeyTest, DisplayPrefixIsSixCharactersAfterHerd) {
  const std::string key = "herd_Ab3xQ9" + std::string(kKeyRandomChars - 6, 'z');
  EXPECT_EQ(display_prefix(key), "herd_Ab3xQ9");
  EXPECT_EQ(kDisplayPrefixLength, 11u);
}

}  // namespace
}  // namespace herd::gateway

namespace herd::gateway {
namespace {

TEST(RedactApiKeysTest, RemovesEveryKeyAndEveryLongPieceOfOne) {
  Result<std::string> k = new_api_key();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(redact_api_keys("model " + *k + " x"), "model herd_[redacted] x");
  EXPECT_EQ(redact_api_keys(*k + *k), "herd_[redacted]herd_[redacted]");  // glued keys, both
  EXPECT_EQ(redact_api_keys(std::string(40, 'r')), std::string(40, 'r'));   // text is text
  EXPECT_EQ(redact_api_keys("/v1/" + *k + "/" + k->substr(0, 20)), "/v1/herd_[redacted]/herd_[redacted]");
  EXPECT_EQ(redact_api_keys("herd_abc and herd_ and herd"), "herd_abc and herd_ and herd");  // too short to matter
  EXPECT_EQ(redact_api_keys("plain text"), "plain text");
}

}  // namespace
}  // namespace herd::gateway
