#include "store/manifest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd::store {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');

std::string manifest_with(const std::string& layer_digest, const std::string& size = "10") {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" + kA + R"(","size":5},
    "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":")" + layer_digest + R"(","size":)" + size + "}]}";
}

TEST(ManifestTest, ParsesAnOllamaManifestAndWritesItBack) {
  Result<Manifest> m = Manifest::parse(manifest_with(kB));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->config.digest.to_string(), kA);
  ASSERT_EQ(m->layers.size(), 1u);
  ASSERT_NE(m->find(LayerKind::kModel), nullptr);
  EXPECT_EQ(m->find(LayerKind::kModel)->size, 10u);
  EXPECT_EQ(m->find(LayerKind::kSystem), nullptr);
  EXPECT_EQ(m->total_size(), 15u);
  Result<Manifest> again = Manifest::parse(m->to_json());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->to_json(), m->to_json());
}

TEST(ManifestTest, RefusesBadDigestsBeforeAnyPathIsBuilt) {
  for (const std::string& bad : std::vector<std::string> {std::string("sha256:../../etc/passwd"), "sha256:" + std::string(64, 'A'),
                                std::string("../x"), "sha256:" + std::string(63, 'a')}) {
    const Result<Manifest> m = Manifest::parse(manifest_with(bad));
    EXPECT_FALSE(m.ok()) << bad;
  }
}

TEST(ManifestTest, RefusesLyingOrHugeShapes) {
  EXPECT_FALSE(Manifest::parse(manifest_with(kB, "-1")).ok());
  EXPECT_FALSE(Manifest::parse(manifest_with(kB, "1e3")).ok());
  EXPECT_FALSE(Manifest::parse(manifest_with(kB, "18446744073709551615")).ok());
  EXPECT_FALSE(Manifest::parse(R"({"schemaVersion":1,"config":{},"layers":[]})").ok());
  EXPECT_FALSE(Manifest::parse("[]").ok());
  EXPECT_FALSE(Manifest::parse(std::string(100000, '[')).ok());
  EXPECT_FALSE(Manifest::parse(std::string(kMaxManifestBytes + 1, ' ')).ok());
  std::string many = R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kA + R"(","size":1},"layers":[)";
  for (size_t i = 0; i <= kMaxLayers; ++i) {
    many += std::string(i ? "," : "") + R"({"mediaType":"x","digest":")" + kB + R"(","size":1})";
  }
  EXPECT_FALSE(Manifest::parse(many + "]}").ok());
  std::string two_models = manifest_with(kB);
  two_models.insert(two_models.rfind(']'),
                    R"(,{"mediaType":"application/vnd.ollama.image.model","digest":")" + kA + R"(","size":1})");
  EXPECT_EQ(Manifest::parse(two_models).status().code(), StatusCode::kUnsupported);
}

TEST(ManifestTest, LayerKinds) {
  EXPECT_EQ(layer_kind("application/vnd.ollama.image.params"), LayerKind::kParams);
  EXPECT_EQ(layer_kind("application/vnd.ollama.image.modelx"), LayerKind::kOther);
  EXPECT_EQ(layer_media_type(LayerKind::kMessages), "application/vnd.ollama.image.messages");
  EXPECT_EQ(layer_kind(layer_media_type(LayerKind::kLicense)), LayerKind::kLicense);
}

TEST(ManifestTest, ConfigRoundTrip) {
  ModelConfig c;
  c.model_family = "llama";
  c.file_type = "Q4_0";
  c.diff_ids = {kB};
  Result<ModelConfig> back = ModelConfig::parse(c.to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->model_family, "llama");
  EXPECT_EQ(back->file_type, "Q4_0");
  EXPECT_EQ(back->diff_ids, c.diff_ids);
  EXPECT_TRUE(ModelConfig::parse("{}").ok());
}

}  // namespace
}  // namespace herd::store
