#include "store/digest.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "../support/shared_data.h"

namespace herd::store {
namespace {

const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // FIPS 180-2 "abc"
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, KnownVectors) {
  EXPECT_EQ(sha256_of("abc").hex(), kAbc);
  EXPECT_EQ(sha256_of("").hex(), kEmpty);
  Sha256 h;
  h.update(std::string_view("a"));
  h.update(std::string_view("bc"));
  EXPECT_EQ(h.finish().hex(), kAbc);
  h.update(std::string_view(""));  // reusable after finish
  EXPECT_EQ(h.finish().hex(), kEmpty);
}

TEST(DigestTest, ParsesOnlyTheCanonicalForm) {
  Result<Digest> d = Digest::parse("sha256:" + kAbc);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->to_string(), "sha256:" + kAbc);
  EXPECT_EQ(d->file_name(), "sha256-" + kAbc);
  for (const std::string& bad : std::vector<std::string> {std::string("sha256:") + kAbc.substr(1), "sha256:" + kAbc + "0",
                                "sha256:" + std::string(64, 'A'), "sha256-" + kAbc, "SHA256:" + kAbc,
                                "sha512:" + kAbc, "sha256:../../../../etc/passwd" + std::string(37, 'a'),
                                std::string("sha256:") + std::string(63, 'a') + "/", std::string(),
                                "sha256:" + kAbc.substr(0, 63) + std::string(1, '\0')}) {
    EXPECT_FALSE(Digest::parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(Digest::from_hex(std::string(64, 'g')).ok());
  EXPECT_TRUE(Digest::from_hex(kEmpty).ok());
}

TEST(DigestTest, ErrorsShowAtMostEightyCharacters) {
  const Status s = Digest::parse(std::string(10000, 'x')).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 200u);
}

// The file hash agrees with coreutils' sha256sum on a real model.
TEST(DigestTest, FileHashMatchesSha256sum) {
  const std::string path = (testing::shared_dir() / "models" / "stories260K.gguf").string();
  Result<Digest> d = sha256_of_file(path);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  FILE* p = ::popen(("sha256sum '" + path + "'").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::array<char, 65> out{};
  ASSERT_EQ(std::fread(out.data(), 1, 64, p), 64u);
  ::pclose(p);
  EXPECT_EQ(d->hex(), std::string(out.data(), 64));
  EXPECT_EQ(sha256_of_file("/nonexistent/x").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(sha256_of_file("/tmp").ok());
}

}  // namespace
}  // namespace herd::store
