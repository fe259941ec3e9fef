#include "store/model_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/temp_dir.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;

class ModelStoreTest : public ::testing::Test {
 protected:
  ModelStoreTest() : store_(StoreLayout(home_.path())) {}

  Descriptor blob(LayerKind kind, const std::string& bytes) {
    Result<Digest> d = put_blob_bytes(store_.layout(), bytes);
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    return {kind == LayerKind::kOther ? std::string(kConfigMediaType) : layer_media_type(kind), *d, bytes.size()};
  }

  Manifest model_manifest(const std::string& weights, const std::string& family = "llama") {
    ModelConfig c;
    c.model_family = family;
    c.file_type = "Q8_0";
    Manifest m;
    m.config = blob(LayerKind::kOther, c.to_json());
    m.layers.push_back(blob(LayerKind::kModel, weights));
    return m;
  }

  static ModelRef ref(const std::string& name) { return *ModelRef::parse(name); }

  int blob_count() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(store_.layout().blobs_dir())) n += e.is_regular_file();
    return n;
  }

  testing::TempDir home_;
  ModelStore store_;
};

TEST_F(ModelStoreTest, BlobsAreNamedByTheirContentsAndReadOnly) {
  const Descriptor d = blob(LayerKind::kSystem, "be brief");
  EXPECT_EQ(d.digest, sha256_of("be brief"));
  const std::string path = store_.layout().blob_path(d.digest);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "be brief");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  EXPECT_TRUE(fs::is_empty(store_.layout().tmp_dir()));
}

TEST_F(ModelStoreTest, CommitRefusesAMismatchAndLeavesNothing) {
  ASSERT_TRUE(store_.layout().ensure_directories().ok());
  const std::string tmp = store_.layout().tmp_dir() + "/x.partial";
  std::ofstream(tmp) << "not what the name says";
  const Digest claimed = sha256_of("something else");
  const Status s = commit_blob_file(store_.layout(), tmp, claimed);
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_NE(s.message().find(claimed.to_string()), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_FALSE(store_.has_blob(claimed));
  EXPECT_EQ(blob_count(), 0);
}

TEST_F(ModelStoreTest, ListShowResolve) {
  Manifest m = model_manifest("GGUF weights");
  m.layers.push_back(blob(LayerKind::kSystem, "You are a pirate."));
  m.layers.push_back(blob(LayerKind::kParams, R"({"temperature":0.2,"stop":["Arr"]})"));
  m.layers.push_back(blob(LayerKind::kMessages, R"([{"role":"user","content":"hi"},{"role":"assistant","content":"Arr"}])"));
  ASSERT_TRUE(store_.put_manifest(ref("me/pirate:v1"), m).ok());
  ASSERT_TRUE(store_.put_manifest(ref("base"), model_manifest("other weights", "qwen2")).ok());

  Result<std::vector<StoreEntry>> all = store_.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].ref.short_name(), "base");
  EXPECT_EQ((*all)[0].config.model_family, "qwen2");
  EXPECT_EQ((*all)[1].ref.short_name(), "me/pirate:v1");
  EXPECT_EQ((*all)[1].size, m.total_size());
  EXPECT_GT((*all)[1].modified, 0);

  Result<ResolvedModel> r = store_.resolve(ref("me/pirate:v1"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->model_path, store_.layout().blob_path(sha256_of("GGUF weights")));
  EXPECT_EQ(r->system, "You are a pirate.");
  EXPECT_EQ(r->params["temperature"], 0.2);
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[1].content, "Arr");
  EXPECT_FALSE(r->adapter_path.has_value());
  EXPECT_EQ(store_.resolve(ref("absent")).status().code(), StatusCode::kNotFound);
}

TEST_F(ModelStoreTest, AManifestNeedsEveryBlob) {
  Manifest m = model_manifest("w");
  m.layers.push_back({layer_media_type(LayerKind::kSystem), sha256_of("never stored"), 12});
  const Status s = store_.put_manifest(ref("broken"), m);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_FALSE(store_.contains(ref("broken")));
  EXPECT_FALSE(store_.put_manifest(ref("junk"), std::string_view("{\"schemaVersion\":2}")).ok());
}

TEST_F(ModelStoreTest, RemoveKeepsBlobsOthersUse) {
  const Manifest shared = model_manifest("shared weights");
  Manifest preset = shared;
  preset.layers.push_back(blob(LayerKind::kSystem, "only the preset has this"));
  ASSERT_TRUE(store_.put_manifest(ref("base"), shared).ok());
  ASSERT_TRUE(store_.put_manifest(ref("me/preset"), preset).ok());
  ASSERT_TRUE(store_.copy(ref("base"), ref("base:copy")).ok());
  EXPECT_EQ(*store_.read_manifest_bytes(ref("base:copy")), *store_.read_manifest_bytes(ref("base")));
  EXPECT_EQ(blob_count(), 3);

  Result<uint64_t> freed = store_.remove(ref("me/preset"));
  ASSERT_TRUE(freed.ok());
  EXPECT_EQ(*freed, std::string("only the preset has this").size());
  EXPECT_EQ(blob_count(), 2);
  EXPECT_FALSE(fs::exists(store_.layout().manifests_dir() + "/registry.ollama.ai/me"));  // emptied dirs pruned

  ASSERT_TRUE(store_.remove(ref("base")).ok());
  EXPECT_EQ(blob_count(), 2);  // base:copy still names them
  ASSERT_TRUE(store_.remove(ref("base:copy")).ok());
  EXPECT_EQ(blob_count(), 0);
  EXPECT_EQ(store_.remove(ref("base")).status().code(), StatusCode::kNotFound);
}

TEST_F(ModelStoreTest, AMissingBlobIsReportedWithTheFix) {
  const Manifest m = model_manifest("weights");
  ASSERT_TRUE(store_.put_manifest(ref("m"), m).ok());
  fs::permissions(store_.layout().blobs_dir(), fs::perms::owner_all);
  fs::remove(store_.layout().blob_path(m.find(LayerKind::kModel)->digest));
  const Status s = store_.resolve(ref("m")).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("herd pull m"), std::string::npos) << s.message();
}

TEST_F(ModelStoreTest, ModelArgumentIsAFileOrAStoreName) {
  ASSERT_TRUE(store_.put_manifest(ref("tiny"), model_manifest("tiny weights")).ok());
  ::setenv("HERD_HOME", home_.path().c_str(), 1);
  Result<ResolvedModel> by_name = resolve_model_argument("tiny");
  ASSERT_TRUE(by_name.ok()) << by_name.status().to_string();
  EXPECT_EQ(by_name->model_path, store_.layout().blob_path(sha256_of("tiny weights")));
  Result<ResolvedModel> by_path = resolve_model_argument(by_name->model_path);
  ASSERT_TRUE(by_path.ok());
  EXPECT_TRUE(by_path->ref.model.empty());
  const Status missing = resolve_model_argument("nothing-here").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("herd pull nothing-here"), std::string::npos) << missing.message();
  EXPECT_EQ(resolve_model_argument("/no/such/file.gguf").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(resolve_model_argument(home_.path()).ok());  // a directory
  ::unsetenv("HERD_HOME");
}

}  // namespace
}  // namespace herd::store
