// pull_model end to end in-process: registry and Hugging Face pulls into a temporary store, the
// present/update/offline rules, and manifests or names that try to lie or escape.
#include "store/model_pull.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fixture_registry.h"
#include "store_checks.h"

namespace herd::store {
namespace {

namespace fs = std::filesystem;
using testing::FixtureReply;
using testing::FixtureRequest;

class ModelPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.registry = fx_.url();
    options_.hf_endpoint = fx_.url();
    options_.download.backoff_ms = 10;
    options_.download.max_attempts = 2;
    options_.download.stall_timeout_s = 1;
  }
  void TearDown() override { testing::expect_store_sane(home_); }

  Result<PullResult> pull(const std::string& name) { return pull_model(store_, name, options_); }
  std::string model_bytes(const std::string& name) {
    Result<ResolvedModel> r = store_.resolve(*ModelRef::parse(name));
    if (!r.ok()) return "unresolved: " + r.status().to_string();
    return testing::slurp(r->model_path);
  }
  void replace_manifest(const std::string& json) {
    fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
      if (req.target.find("/manifests/") != std::string::npos) r.body = json;
    });
  }
  std::string manifest_with(const std::string& model_digest, uint64_t size) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
           R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" +
           fx_.config().hex + R"(","size":)" + std::to_string(fx_.config().bytes.size()) +
           R"(},"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":")" + model_digest +
           R"(","size":)" + std::to_string(size) + "}]}";
  }

  testing::TempHome home_;
  testing::FixtureRegistry fx_;
  ModelStore store_{home_.layout()};
  PullOptions options_;
};

TEST_F(ModelPullTest, PullsFromARegistryAndThenLeavesItAlone) {
  Result<PullResult> r = pull("stories260K");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, PullOutcome::kPulled);
  EXPECT_EQ(model_bytes("stories260K"), fx_.stories().bytes);
  EXPECT_EQ(testing::slurp(home_.layout().manifest_path(*ModelRef::parse("stories260K"))), fx_.manifest())
      << "the manifest is kept as the registry served it";
  EXPECT_EQ(testing::count_files(home_.layout().tmp_dir()) - [&] {
    size_t locks = 0;
    for (const auto& e : fs::directory_iterator(home_.layout().tmp_dir())) locks += e.path().extension() == ".lock";
    return locks;
  }(), 0u) << "nothing but lock files left in tmp/";
  // Present: no network at all.
  fx_.server().clear_log();
  r = pull("stories260K");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, PullOutcome::kPresent);
  EXPECT_TRUE(fx_.server().log().empty());
  // --update with the same manifest: the manifest is fetched, no blob.
  options_.update = true;
  r = pull("stories260K");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, PullOutcome::kUnchanged);
  EXPECT_EQ(fx_.server().log().size(), 1u);
}

TEST_F(ModelPullTest, UpdateSwapsTheManifestOnlyAfterEveryBlobVerified) {
  ASSERT_TRUE(pull("stories260K").ok());
  options_.update = true;
  // The upstream changed, but its new blob is broken: the old model stays as it was.
  const std::string tiny_path = "/v2/library/stories260K/blobs/sha256:" + fx_.tiny().hex;
  fx_.set_fault([=, json = manifest_with("sha256:" + fx_.tiny().hex, fx_.tiny().bytes.size())](
                    const FixtureRequest& req, FixtureReply& r) {
    if (req.target.find("/manifests/") != std::string::npos) r.body = json;
    if (req.target == tiny_path) r.body[5] ^= 1;
  });
  Result<PullResult> r = pull("stories260K");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(model_bytes("stories260K"), fx_.stories().bytes);
  // Now the new blob is good: the update lands.
  replace_manifest(manifest_with("sha256:" + fx_.tiny().hex, fx_.tiny().bytes.size()));
  r = pull("stories260K");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, PullOutcome::kPulled);
  EXPECT_EQ(model_bytes("stories260K"), fx_.tiny().bytes);
}

TEST_F(ModelPullTest, OfflineNeverTouchesTheNetwork) {
  options_.offline = true;
  Result<PullResult> r = pull("stories260K");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offline"), std::string::npos) << r.status().to_string();
  options_.offline = false;
  ASSERT_TRUE(pull("stories260K").ok());
  fx_.server().clear_log();
  options_.offline = true;
  options_.update = true;
  r = pull("stories260K");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, PullOutcome::kPresent);
  EXPECT_TRUE(fx_.server().log().empty());
}

TEST_F(ModelPullTest, ANameWithAHostAsksThatHost) {
  options_.registry = "http://127.0.0.1:1";  // unused: the name names its registry
  const std::string name = "http://127.0.0.1:" + std::to_string(fx_.server().port()) + "/library/stories260K";
  Result<PullResult> r = pull(name);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->ref.host, "127.0.0.1:" + std::to_string(fx_.server().port()));
  EXPECT_EQ(model_bytes(r->ref.full_name()), fx_.stories().bytes);
}

TEST_F(ModelPullTest, AManifestWhoseSizesLieFailsCleanly) {
  for (const int64_t delta : {-1000, 1000}) {
    replace_manifest(manifest_with("sha256:" + fx_.stories().hex, fx_.stories().bytes.size() + delta));
    Result<PullResult> r = pull("stories260K");
    ASSERT_FALSE(r.ok()) << delta;
    EXPECT_FALSE(store_.contains(*ModelRef::parse("stories260K")));
    EXPECT_FALSE(fs::exists(home_.layout().blob_path(*Digest::from_hex(fx_.stories().hex))));
  }
}

TEST_F(ModelPullTest, TraversalDigestsAndNamesTouchNoPath) {
  replace_manifest(manifest_with("sha256:../../../../x", 10));
  Result<PullResult> r = pull("stories260K");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(fx_.server().requests_to("/v2/library/stories260K/blobs/"), 0u);
  for (const char* bad : {"../evil", "library/../evil", "a/b/c/d/e", "evil/..", "x:../y", "hf.co/../evil"}) {
    Result<PullResult> b = pull(bad);
    EXPECT_FALSE(b.ok()) << bad;
  }
  EXPECT_FALSE(fs::exists(home_.layout().manifests_dir()) && testing::count_files(home_.layout().manifests_dir()) > 0);
}

TEST_F(ModelPullTest, AMissingModelIsNotFound) {
  Result<PullResult> r = pull("nothing-here");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().to_string();
}

TEST_F(ModelPullTest, PullsAHuggingFaceQuant) {
  Result<PullResult> r = pull("hf.co/test/stories:Q8_0");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(model_bytes("hf.co/test/stories:Q8_0"), fx_.stories().bytes);
  r = pull("hf.co/test/stories:f32");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(model_bytes("hf.co/test/stories:f32"), fx_.tiny().bytes);
  r = pull("hf.co/test/stories");  // no Q4_K_M there: Q8_0
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(model_bytes("hf.co/test/stories"), fx_.stories().bytes);
  r = pull("hf.co/test/stories:Q2_K");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("stories-Q8_0.gguf"), std::string::npos) << r.status().to_string();
}

TEST_F(ModelPullTest, TheHuggingFaceTokenNeverReachesAnotherHost) {
  fx_.require_token("hf_secret");
  Result<PullResult> r = pull("hf.co/test/stories:Q8_0");
  ASSERT_FALSE(r.ok()) << "the fixture wants a token";
  options_.hf_token = "hf_secret";
  // The file's bytes come from another host (as from a CDN).
  const std::string cdn = fx_.url("localhost");
  fx_.set_fault([=](const FixtureRequest&, FixtureReply& reply) {
    for (auto& [k, v] : reply.headers) {
      if (k == "Location") v = cdn + v;
    }
  });
  r = pull("hf.co/test/stories:Q8_0");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  size_t cdn_requests = 0;
  for (const auto& l : fx_.server().log()) {
    if (l.request.target.rfind("/cdn/", 0) == 0) {
      ++cdn_requests;
      EXPECT_EQ(l.request.header("authorization"), "");
      EXPECT_EQ(l.request.header("host").rfind("localhost", 0), 0u);
    }
  }
  EXPECT_GE(cdn_requests, 1u);
}

TEST_F(ModelPullTest, ErrorsNeverShowTheToken) {
  options_.hf_token = "hf_secret";
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) {
    r.status = 500;
    r.body = "boom";
  });
  Result<PullResult> r = pull("hf.co/test/stories:Q8_0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("hf_secret"), std::string::npos) << r.status().to_string();
}

TEST_F(ModelPullTest, PullsADirectGgufUrl) {
  const std::string url = fx_.url() + "/test/stories/resolve/main/stories-Q8_0.gguf";
  Result<PullResult> r = pull(url);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->ref.ns, "test");
  EXPECT_EQ(r->ref.model, "stories");
  EXPECT_EQ(r->ref.tag, "stories-Q8_0");
  EXPECT_EQ(model_bytes(r->ref.full_name()), fx_.stories().bytes);
  Result<StoreEntry> e = store_.entry(r->ref);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->config.model_family, "llama");
  r = pull(fx_.url() + "/files/tiny.gguf");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->ref.ns, "files");
  EXPECT_EQ(r->ref.model, "tiny");
  EXPECT_EQ(model_bytes(r->ref.full_name()), fx_.tiny().bytes);
}

}  // namespace
}  // namespace herd::store
