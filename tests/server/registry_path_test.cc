#include "server/registry_path.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace herd::server {
namespace {

const std::string kHex(64, 'a');

RegistryPath ok_path(std::string_view path) {
  auto parsed = parse_registry_path(path);
  EXPECT_TRUE(std::holds_alternative<RegistryPath>(parsed)) << path;
  return std::holds_alternative<RegistryPath>(parsed) ? std::get<RegistryPath>(parsed) : RegistryPath{};
}

RegistryError error_of(std::string_view path) {
  auto parsed = parse_registry_path(path);
  EXPECT_TRUE(std::holds_alternative<RegistryError>(parsed)) << path;
  return std::holds_alternative<RegistryError>(parsed) ? std::get<RegistryError>(parsed) : RegistryError{};
}

TEST(RegistryPathTest, TheApiRoutes) {
  EXPECT_EQ(ok_path("/v2/").kind, RegistryPath::Kind::kRoot);
  const RegistryPath m = ok_path("/v2/library/stories260K/manifests/latest");
  EXPECT_EQ(m.kind, RegistryPath::Kind::kManifest);
  EXPECT_EQ(m.ns, "library");
  EXPECT_EQ(m.model, "stories260K");
  EXPECT_EQ(m.tag, "latest");
  const RegistryPath b = ok_path("/v2/me/tiny/blobs/sha256:" + kHex);
  EXPECT_EQ(b.kind, RegistryPath::Kind::kBlob);
  EXPECT_EQ(b.digest->hex(), kHex);
  EXPECT_EQ(ok_path("/v2/me/tiny/blobs/uploads/").kind, RegistryPath::Kind::kUploads);
  const RegistryPath u = ok_path("/v2/me/tiny/blobs/uploads/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(u.kind, RegistryPath::Kind::kUpload);
  EXPECT_EQ(u.upload_id, "0123456789abcdef0123456789abcdef");
}

TEST(RegistryPathTest, NoPartThatCouldLeaveTheStoreGetsThrough) {
  EXPECT_EQ(error_of("/v2/../x/manifests/latest").code, "NAME_INVALID");
  EXPECT_EQ(error_of("/v2/library/../manifests/latest").code, "NAME_INVALID");
  EXPECT_EQ(error_of("/v2/library/.hidden/manifests/latest").code, "NAME_INVALID");
  EXPECT_EQ(error_of("/v2/library/m/manifests/..").code, "TAG_INVALID");
  EXPECT_EQ(error_of("/v2/library/m/manifests/.x").code, "TAG_INVALID");
  EXPECT_EQ(error_of("/v2/library/m/blobs/sha256:" + kHex.substr(1) + "/").code, "NAME_UNKNOWN");
  EXPECT_EQ(error_of("/v2/library/m/blobs/sha256:../../etc/passwd").code, "NAME_UNKNOWN");
  EXPECT_EQ(error_of("/v2/library/m/blobs/sha256:..").code, "DIGEST_INVALID");
  EXPECT_EQ(error_of("/v2/library/m/blobs/sha256:" + std::string(64, 'A')).code, "DIGEST_INVALID");
  EXPECT_EQ(error_of("/v2/library/m/blobs/uploads/../../x").code, "NAME_UNKNOWN");
  EXPECT_EQ(error_of("/v2/library/m/blobs/uploads/ABCDEF0123456789abcdef0123456789").code, "BLOB_UPLOAD_UNKNOWN");
  EXPECT_EQ(error_of("/v2/a/b/c/manifests/latest").code, "NAME_UNKNOWN");
  EXPECT_EQ(error_of("/v2/_catalog").code, "NAME_UNKNOWN");
  EXPECT_EQ(error_of("/v2/library/m/tags/list").code, "NAME_UNKNOWN");
}

TEST(RegistryPathTest, QueryValuesAreDecoded) {
  EXPECT_EQ(query_value("digest=sha256%3Aab&x=1", "digest").value_or(""), "sha256:ab");
  EXPECT_EQ(query_value("a=1&digest=sha256:cd", "digest").value_or(""), "sha256:cd");
  EXPECT_FALSE(query_value("digests=1", "digest"));
  EXPECT_FALSE(query_value("digest=%zz", "digest"));
}

TEST(RegistryPathTest, ErrorBodyIsTheRegistryShape) {
  const nlohmann::json j = nlohmann::json::parse(registry_error_body({404, "BLOB_UNKNOWN", "blob unknown"}));
  EXPECT_EQ(j["errors"][0]["code"], "BLOB_UNKNOWN");
  EXPECT_EQ(j["errors"][0]["message"], "blob unknown");
}

}  // namespace
}  // namespace herd::server
