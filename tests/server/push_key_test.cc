#include "server/push_key.h"

#include <gtest/gtest.h>

namespace herd::server {
namespace {

TEST(PushKeyTest, MatchesOnlyTheKey) {
  Result<PushKey> key = PushKey::create("correct horse battery staple");
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_TRUE(key->matches("correct horse battery staple"));
  EXPECT_FALSE(key->matches("correct horse battery stapl"));
  EXPECT_FALSE(key->matches("correct horse battery staple "));
  EXPECT_FALSE(key->matches(""));
}

TEST(PushKeyTest, ShortKeysAreRefused) {
  const Result<PushKey> key = PushKey::create("short");
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(key.status().message().find("short"), std::string::npos) << "the key is never echoed";
}

TEST(PushKeyTest, TwoProcessesWorthOfKeysHashDifferently) {
  // The same key under two random hash keys: each matches only its own presentation.
  Result<PushKey> a = PushKey::create("0123456789abcdef");
  Result<PushKey> b = PushKey::create("0123456789abcdeF");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->matches("0123456789abcdef"));
  EXPECT_FALSE(a->matches("0123456789abcdeF"));
  EXPECT_TRUE(b->matches("0123456789abcdeF"));
}

TEST(PushKeyTest, BearerToken) {
  http::Request r;
  EXPECT_FALSE(bearer_token(r));
  r.headers = {{"Authorization", "Bearer abc"}};
  EXPECT_EQ(bearer_token(r).value_or(""), "abc");
  r.headers = {{"authorization", "bearer   xyz  "}};
  EXPECT_EQ(bearer_token(r).value_or(""), "xyz");
  r.headers = {{"Authorization", "Basic abc"}};
  EXPECT_FALSE(bearer_token(r));
  r.headers = {{"Authorization", "Bearer "}};
  EXPECT_FALSE(bearer_token(r));
}

}  // namespace
}  // namespace herd::server
