#include "gateway/key_hasher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../support/temp_dir.h"

namespace herd::gateway {
namespace {

namespace fs = std::filesystem;

std::array<uint8_t, 32> counting_secret() {
  std::array<uint8_t, 32> s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(i);
  return s;
}

TEST(KeyHasherTest, HashIsHmacSha256InLowercaseHex) {
  // Expected values from `openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f`.
  const KeyHasher h = KeyHasher::from_secret(counting_secret());
  EXPECT_EQ(h.hash("herd_testkey"), "39d09303463bad2c5ed00cd3e2d95d9c3b5176535f63ebcf59275590da7f1f9c");
  EXPECT_EQ(h.check_value(), "14af6f52a7c22649a27ae4cd6484564bfce45f350449a5ab276fd467e37dfb86");
  std::array<uint8_t, 32> other = counting_secret();
  other[31] ^= 1;
  EXPECT_NE(KeyHasher::from_secret(other).hash("herd_testkey"), h.hash("herd_testkey"));
}

TEST(KeyHasherTest, SecretIsMadeOwnerOnlyOnceAndReadBack) {
  testing::TempDir dir;
  const std::string path = dir / "gateway.secret";
  Result<KeyHasher> first = KeyHasher::load_or_create(path);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  Result<KeyHasher> again = KeyHasher::load_or_create(path);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->check_value(), first->check_value());
  // No temporary file is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
  // Another home gets another secret.
  testing::TempDir other;
  Result<KeyHasher> third = KeyHasher::load_or_create(other / "gateway.secret");
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->check_value(), first->check_value());
}

TEST(KeyHasherTest, ProcessesStartingTogetherAgreeOnOneSecret) {
  testing::TempDir dir;
  const std::string path = dir / "gateway.secret";
  std::vector<std::string> checks(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < checks.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<KeyHasher> h = KeyHasher::load_or_create(path);
      checks[i] = h.ok() ? h->check_value() : h.status().to_string();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& c : checks) EXPECT_EQ(c, checks[0]);
  EXPECT_EQ(checks[0].size(), 64u) << checks[0];
}

TEST(KeyHasherTest, RefusesSecretsOthersCanReadOrOfTheWrongSize) {
  testing::TempDir dir;
  const std::string path = dir / "gateway.secret";
  ASSERT_TRUE(KeyHasher::load_or_create(path).ok());
  for (fs::perms extra : {fs::perms::group_read, fs::perms::others_read, fs::perms::others_write}) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | extra);
    Result<KeyHasher> h = KeyHasher::load_or_create(path);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(h.status().message().find("chmod 600"), std::string::npos) << h.status().message();
  }
  const std::string short_path = dir / "short.secret";
  std::ofstream(short_path) << "too short";
  fs::permissions(short_path, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(KeyHasher::load_or_create(short_path).status().code(), StatusCode::kInvalidArgument);
  // A symlink is not followed (someone else's file could sit behind it).
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(path, dir / "link.secret");
  EXPECT_FALSE(KeyHasher::load_or_create(dir / "link.secret").ok());
  EXPECT_FALSE(KeyHasher::load_or_create(dir / "no/such/dir/gateway.secret").ok());
}

TEST(KeyHasherTest, SameHashComparesWholeStrings) {
  const std::string a(64, 'a');
  std::string b = a;
  EXPECT_TRUE(same_hash(a, b));
  b[63] = 'b';
  EXPECT_FALSE(same_hash(a, b));
  b = a;
  b[0] = 'b';
  EXPECT_FALSE(same_hash(a, b));
  EXPECT_FALSE(same_hash(a, a.substr(0, 63)));
  EXPECT_TRUE(same_hash("", ""));
}

}  // namespace
}  // namespace herd::gateway
