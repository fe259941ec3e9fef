#include "store/foreign_import.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.h"
#include "store/blob_import.h"
#include "store/quant_tag.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

// An Ollama models folder has herd's own layout: make one with a ModelStore.
Manifest put_model(const ModelStore& s, const std::string& name, const std::string& weights) {
  ModelConfig c;
  c.model_family = "llama";
  const std::string config = c.to_json();
  Manifest m;
  m.config = {std::string(kConfigMediaType), *put_blob_bytes(s.layout(), config), config.size()};
  m.layers.push_back({layer_media_type(LayerKind::kModel), *put_blob_bytes(s.layout(), weights), weights.size()});
  EXPECT_TRUE(s.put_manifest(*ModelRef::parse(name), m).ok());
  return m;
}

TEST(ForeignImportTest, OllamaFolderIsLinkedAndVerified) {
  testing::TempDir ollama_home, herd_home;
  const ModelStore ollama(StoreLayout(ollama_home.path())), herd(StoreLayout(herd_home.path()));
  const Manifest m = put_model(ollama, "tiny:q4", "tiny weights");
  put_model(ollama, "other/thing", "other weights");
  Result<ImportReport> r = import_ollama_models(herd, ollama.layout().models_dir(), {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->items.size(), 2u);
  for (const auto& item : r->items) {
    EXPECT_TRUE(item.status.ok()) << item.name << ": " << item.status.to_string();
    EXPECT_TRUE(item.linked);
  }
  EXPECT_EQ(*herd.read_manifest_bytes(*ModelRef::parse("tiny:q4")), *ollama.read_manifest_bytes(*ModelRef::parse("tiny:q4")));
  struct stat a {}, b {};
  const Digest w = m.find(LayerKind::kModel)->digest;
  ASSERT_EQ(::stat(ollama.layout().blob_path(w).c_str(), &a), 0);
  ASSERT_EQ(::stat(herd.layout().blob_path(w).c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  // Again: both are kept as they are.
  r = import_ollama_models(herd, ollama.layout().models_dir(), {});
  ASSERT_TRUE(r.ok());
  for (const auto& item : r->items) EXPECT_EQ(item.status.code(), StatusCode::kUnavailable);
}

TEST(ForeignImportTest, AForeignBlobThatLiesIsRefused) {
  testing::TempDir ollama_home, herd_home;
  const ModelStore ollama(StoreLayout(ollama_home.path())), herd(StoreLayout(herd_home.path()));
  const Manifest m = put_model(ollama, "tiny", "tiny weights");
  const std::string blob = ollama.layout().blob_path(m.find(LayerKind::kModel)->digest);
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(blob) << "tampered weights";
  // A manifest whose path parts are not valid names is skipped, not followed.
  fs::create_directories(ollama.layout().manifests_dir() + "/registry.ollama.ai/library/..bad");
  std::ofstream(ollama.layout().manifests_dir() + "/registry.ollama.ai/library/..bad/latest") << "{}";
  Result<ImportReport> r = import_ollama_models(herd, ollama.layout().models_dir(), {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->items.size(), 2u);
  for (const auto& item : r->items) EXPECT_FALSE(item.status.ok()) << item.name;
  EXPECT_FALSE(herd.contains(*ModelRef::parse("tiny")));
  EXPECT_FALSE(herd.has_blob(m.find(LayerKind::kModel)->digest));
  EXPECT_TRUE(fs::is_empty(herd.layout().tmp_dir()));
  EXPECT_EQ(import_ollama_models(herd, herd_home / "nowhere", {}).status().code(), StatusCode::kNotFound);
}

TEST(ForeignImportTest, HuggingFaceCacheByQuantTag) {
  testing::TempDir hub, herd_home;
  const ModelStore herd(StoreLayout(herd_home.path()));
  const std::string repo = hub / "models--TheOrg--Tiny-GGUF";
  fs::create_directories(repo + "/blobs");
  fs::create_directories(repo + "/snapshots/0123abcd");
  const Digest q8 = sha256_of("q8 weights"), q4 = sha256_of("q4 weights");
  std::ofstream(repo + "/blobs/" + q8.hex()) << "q8 weights";
  std::ofstream(repo + "/blobs/" + q4.hex()) << "q4 weights, but the name says otherwise";
  fs::create_symlink("../../blobs/" + q8.hex(), repo + "/snapshots/0123abcd/tiny.Q8_0.gguf");
  fs::create_symlink("../../blobs/" + q4.hex(), repo + "/snapshots/0123abcd/tiny-q4_k_m.gguf");
  fs::create_directories(hub / "datasets--x--y");
  Result<ImportReport> r = import_hf_cache(herd, hub.path(), {});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->items.size(), 2u);
  Result<ResolvedModel> ok = herd.resolve(*ModelRef::parse("hf.co/TheOrg/Tiny-GGUF:Q8_0"));
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->model_path, herd.layout().blob_path(q8));
  // The Q4_K_M blob does not hash to its name: refused.
  EXPECT_FALSE(herd.contains(*ModelRef::parse("hf.co/TheOrg/Tiny-GGUF:Q4_K_M")));
}

TEST(QuantTagTest, FindsTheQuantizationInAFileName) {
  EXPECT_EQ(quant_tag_of("tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"), "Q4_K_M");
  EXPECT_EQ(quant_tag_of("model-q8_0.gguf"), "Q8_0");
  EXPECT_EQ(quant_tag_of("Qwen2-0.5B-Instruct-IQ4_XS.gguf"), "IQ4_XS");
  EXPECT_EQ(quant_tag_of("x.bf16.gguf"), "BF16");
  EXPECT_EQ(quant_tag_of("x_Q2_K_S.gguf"), "Q2_K_S");
  EXPECT_EQ(quant_tag_of("stories260K.gguf"), std::nullopt);
  EXPECT_EQ(quant_tag_of("modelq4_0.gguf"), std::nullopt);
}

}  // namespace
}  // namespace herd::store
