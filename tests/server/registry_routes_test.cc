// herd serve's registry over real loopback HTTP, with a real store in a temp HERD_HOME
// holding stories260K as a pull would leave it.
#include "server/registry_routes.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../support/raw_http.h"
#include "../support/store_model.h"
#include "../support/temp_dir.h"
#include "http_fixture.h"
#include "store/digest.h"

namespace herd::server::testing {
namespace {

namespace fs = std::filesystem;
using herd::testing::put_test_model;
using herd::testing::read_whole_file;
using herd::testing::StoredTestModel;

const char* kKey = "a key long enough to be a key";

store::ModelRef ref(const std::string& name) { return *store::ModelRef::parse(name); }

// Every file under the store, with its size: what "touched nothing" compares.
std::set<std::string> files_under(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.insert(e.path().string() + ":" + std::to_string(e.file_size()));
  }
  return out;
}

class RegistryTest : public HttpServerTest {
 protected:
  void SetUp() override {
    ::setenv("HERD_HOME", home_.path().c_str(), 1);
    gguf_ = read_whole_file(std::string(HERD_SHARED_DIR) + "/models/stories260K.gguf");
    ASSERT_GT(gguf_.size(), 1000u) << "the shared test data (../shared) is missing";
    stored_ = put_test_model(layout_, ref("stories260K"), gguf_);
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    ::unsetenv("HERD_HOME");
  }

  void start_registry(const std::string& key, UploadParams uploads = {}) {
    HttpServerParams params;
    RegistryParams r;
    r.home = home_.path();
    if (!key.empty()) r.push_key = std::make_shared<const PushKey>(*PushKey::create(key));
    r.uploads = uploads;
    params.registry = r;
    start(nullptr, params, /*ready=*/false);
  }

  static httplib::Headers auth(const std::string& key = kKey) { return {{"Authorization", "Bearer " + key}}; }
  static std::string code_of(const httplib::Result& r) {
    return nlohmann::json::parse(r->body)["errors"][0]["code"].get<std::string>();
  }
  int upload_files() const {
    int n = 0;
    if (!fs::exists(layout_.tmp_dir())) return 0;
    for (const auto& e : fs::directory_iterator(layout_.tmp_dir())) n += e.path().filename().string().rfind("upload-", 0) == 0;
    return n;
  }
  // POST: the upload's Location.
  std::string start_upload() {
    auto r = client().Post("/v2/me/tiny/blobs/uploads/", auth(), "", "application/octet-stream");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    return r->get_header_value("Location");
  }

  herd::testing::TempDir home_;
  store::StoreLayout layout_{home_.path()};
  store::ModelStore store_{layout_};
  std::string gguf_;
  StoredTestModel stored_;
};

TEST_F(RegistryTest, RootAnswersEmptyJson) {
  start_registry("");
  auto r = client().Get("/v2/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{}");
}

TEST_F(RegistryTest, ManifestIsServedExactlyAsStored) {
  start_registry("");
  auto r = client().Get("/v2/library/stories260K/manifests/latest");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, stored_.manifest);
  EXPECT_EQ(r->body, read_whole_file(layout_.manifest_path(ref("stories260K"))));
  EXPECT_EQ(r->get_header_value("Content-Type"), store::kManifestMediaType);
  EXPECT_EQ(r->get_header_value("Docker-Content-Digest"), store::sha256_of(stored_.manifest).to_string());
  auto head = client().Head("/v2/library/stories260K/manifests/latest");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(stored_.manifest.size()));
  EXPECT_EQ(head->get_header_value("Docker-Content-Digest"), store::sha256_of(stored_.manifest).to_string());

  auto missing = client().Get("/v2/library/stories260K/manifests/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(code_of(missing), "MANIFEST_UNKNOWN");
}

TEST_F(RegistryTest, ADefaultHostManifestComesBeforeOtherHosts) {
  const StoredTestModel other = put_test_model(layout_, ref("example.com:5000/team/tiny:q8"), gguf_ + "x");
  start_registry("");
  auto r = client().Get("/v2/team/tiny/manifests/q8");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, other.manifest);
  ASSERT_TRUE(store_.put_manifest(ref("team/tiny:q8"), stored_.manifest).ok());
  r = client().Get("/v2/team/tiny/manifests/q8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, stored_.manifest);
}

TEST_F(RegistryTest, BlobsStreamWholeOrByRange) {
  start_registry("");
  const std::string path = "/v2/library/stories260K/blobs/" + stored_.model.digest.to_string();
  auto whole = client().Get(path);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  EXPECT_TRUE(whole->body == gguf_) << "the blob's bytes, exactly";
  EXPECT_EQ(whole->get_header_value("Docker-Content-Digest"), stored_.model.digest.to_string());
  EXPECT_EQ(store::sha256_of(whole->body), stored_.model.digest);

  auto part = client().Get(path, {{"Range", "bytes=100-1099"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_TRUE(part->body == gguf_.substr(100, 1000));
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-1099/" + std::to_string(gguf_.size()));

  auto tail = client().Get(path, {{"Range", "bytes=" + std::to_string(gguf_.size() - 7) + "-"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_TRUE(tail->body == gguf_.substr(gguf_.size() - 7));

  auto past = client().Get(path, {{"Range", "bytes=" + std::to_string(gguf_.size()) + "-"}});
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 416);
  EXPECT_EQ(past->get_header_value("Content-Range"), "bytes */" + std::to_string(gguf_.size()));

  auto head = client().Head(path);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(gguf_.size()));

  // The connection stays usable after a ranged and a HEAD response: a second GET on it.
  herd::testing::RawClient raw(port_);
  const std::string get = "GET /v2/library/stories260K/blobs/" + stored_.config.digest.to_string() +
                          " HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-0\r\n\r\n";
  ASSERT_TRUE(raw.send(get + get));
  const std::string a = raw.read_response(), b = raw.read_response();
  EXPECT_EQ(herd::testing::status_of(a), 206) << a;
  EXPECT_EQ(herd::testing::status_of(b), 206) << b;
  EXPECT_EQ(b.back(), '{') << "one byte of the config blob";
  EXPECT_NE(logged().find(" GET /v2/{name}/blobs/{digest} "), std::string::npos) << "logged by route, never by digest";
  EXPECT_EQ(logged().find(stored_.model.digest.hex()), std::string::npos);
}

TEST_F(RegistryTest, OnlyBlobsThatAManifestNamesAreServed) {
  Result<store::Digest> loose = store::put_blob_bytes(layout_, "not in any manifest");
  ASSERT_TRUE(loose.ok());
  start_registry("");
  for (const store::Digest& d : {*loose, store::sha256_of("never stored")}) {
    auto r = client().Get("/v2/library/stories260K/blobs/" + d.to_string());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(code_of(r), "BLOB_UNKNOWN");
  }
}

TEST_F(RegistryTest, TraversalNamesAndDigestsAreRefusedAndTouchNothing) {
  start_registry(kKey);
  std::ofstream(home_.path() + "/secret") << "outside the models directory";
  const std::set<std::string> before = files_under(home_.path());
  const std::string auth_line = std::string("Authorization: Bearer ") + kKey + "\r\n";
  for (const std::string& target : std::vector<std::string>{
           "/v2/%2e%2e/%2e%2e/manifests/latest", "/v2/library/..%2f..%2f..%2fsecret/manifests/latest",
        "/v2/library/stories260K/manifests/..%2f..%2f..%2f..%2fsecret",
        "/v2/library/stories260K/blobs/sha256:..%2f..%2f..%2fsecret", "/v2/library/stories260K/blobs/..%2fsecret",
        "/v2/library/stories260K/blobs/sha256-" + stored_.model.digest.hex(),
        "/v2/library/stories260K/blobs/uploads/..%2f..%2fsecret"}) {
    for (const char* method : {"GET", "PUT", "PATCH"}) {
      herd::testing::RawClient c(port_);
      ASSERT_TRUE(c.send(std::string(method) + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + auth_line +
                         "Content-Length: 2\r\n\r\n{}"));
      const std::string response = c.read_response();
      const int status = herd::testing::status_of(response);
      EXPECT_GE(status, 400) << method << " " << target;
      EXPECT_LT(status, 500) << method << " " << target;
      EXPECT_NE(response.find("\"errors\""), std::string::npos) << response;
    }
  }
  EXPECT_EQ(files_under(home_.path()), before);
}

TEST_F(RegistryTest, PushesAreRefusedWithoutAKeyConfigured) {
  start_registry("");
  auto r = client().Post("/v2/me/tiny/blobs/uploads/", auth(), "", "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "DENIED");
  EXPECT_EQ(upload_files(), 0);
}

TEST_F(RegistryTest, AWrongOrMissingKeyGets401AndWritesNothing) {
  start_registry(kKey);
  const std::set<std::string> before = files_under(home_.path());
  for (const httplib::Headers& headers : {httplib::Headers{}, auth("a key long enough but wrong"),
                                          httplib::Headers{{"Authorization", std::string("Basic ") + kKey}}}) {
    auto post = client().Post("/v2/me/tiny/blobs/uploads/?digest=" + store::sha256_of("x").to_string(), headers, "x",
                              "application/octet-stream");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 401);
    EXPECT_EQ(code_of(post), "UNAUTHORIZED");
    auto put = client().Put("/v2/me/tiny/manifests/latest", headers, stored_.manifest,
                            std::string(store::kManifestMediaType));
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 401);
    EXPECT_EQ(put->body.find(kKey), std::string::npos);
  }
  EXPECT_EQ(files_under(home_.path()), before);
  EXPECT_FALSE(store_.contains(ref("me/tiny")));
  EXPECT_EQ(logged().find(kKey), std::string::npos) << "the key is never logged";
}

TEST_F(RegistryTest, AnUploadInPiecesThenItsManifest) {
  start_registry(kKey);
  std::string blob;
  for (int i = 0; i < 5000; ++i) blob += "piece " + std::to_string(i) + "\n";
  const store::Digest digest = store::sha256_of(blob);
  const std::string location = start_upload();
  ASSERT_EQ(location.rfind("/v2/me/tiny/blobs/uploads/", 0), 0u) << location;

  const size_t half = blob.size() / 2;
  auto first = client().Patch(location, {{"Authorization", std::string("Bearer ") + kKey}, {"Content-Range", "0-" + std::to_string(half - 1)}},
                              blob.substr(0, half), "application/octet-stream");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 202) << first->body;
  EXPECT_EQ(first->get_header_value("Range"), "0-" + std::to_string(half - 1));
  // A piece that does not continue where the last ended is refused.
  auto gap = client().Patch(location, {{"Authorization", std::string("Bearer ") + kKey}, {"Content-Range", std::to_string(half + 1) + "-" + std::to_string(blob.size() - 1)}},
                            blob.substr(half + 1), "application/octet-stream");
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->status, 416);
  auto second = client().Patch(first->get_header_value("Location"), auth(), blob.substr(half), "application/octet-stream");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 202) << second->body;
  EXPECT_FALSE(store_.has_blob(digest)) << "not before it is finished and checked";
  auto done = client().Put(location + "?digest=" + digest.to_string(), auth(), "", "application/octet-stream");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 201) << done->body;
  EXPECT_EQ(done->get_header_value("Docker-Content-Digest"), digest.to_string());
  ASSERT_TRUE(store_.has_blob(digest));
  EXPECT_TRUE(read_whole_file(layout_.blob_path(digest)) == blob);
  EXPECT_EQ(upload_files(), 0);

  store::Manifest m;
  m.config = stored_.config;
  m.layers.push_back({store::layer_media_type(store::LayerKind::kModel), digest, blob.size()});
  const std::string manifest = m.to_json();
  auto put = client().Put("/v2/me/tiny/manifests/v1", auth(), manifest, std::string(store::kManifestMediaType));
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(put->get_header_value("Docker-Content-Digest"), store::sha256_of(manifest).to_string());
  EXPECT_EQ(read_whole_file(layout_.manifest_path(ref("me/tiny:v1"))), manifest);
  auto back = client().Get("/v2/me/tiny/manifests/v1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->body, manifest);
  auto served = client().Get("/v2/me/tiny/blobs/" + digest.to_string());
  ASSERT_TRUE(served);
  EXPECT_TRUE(served->body == blob);
}

TEST_F(RegistryTest, AMonolithicUpload) {
  start_registry(kKey);
  const std::string blob = "one piece";
  auto r = client().Post("/v2/me/tiny/blobs/uploads/?digest=" + store::sha256_of(blob).to_string(), auth(), blob,
                         "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_TRUE(store_.has_blob(store::sha256_of(blob)));
}

TEST_F(RegistryTest, ADigestMismatchIsRefusedAndLeavesNothing) {
  start_registry(kKey);
  const std::set<std::string> before = files_under(home_.path() + "/models/blobs");
  const std::string location = start_upload();
  auto patch = client().Patch(location, auth(), "the bytes sent", "application/octet-stream");
  ASSERT_TRUE(patch);
  ASSERT_EQ(patch->status, 202);
  const store::Digest claimed = store::sha256_of("other bytes");
  auto put = client().Put(location + "?digest=" + claimed.to_string(), auth(), "", "application/octet-stream");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 400);
  EXPECT_EQ(code_of(put), "DIGEST_INVALID");
  EXPECT_FALSE(store_.has_blob(claimed));
  EXPECT_FALSE(store_.has_blob(store::sha256_of("the bytes sent")));
  EXPECT_EQ(files_under(home_.path() + "/models/blobs"), before);
  EXPECT_EQ(upload_files(), 0);
  auto again = client().Patch(location, auth(), "more", "application/octet-stream");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404) << "the upload ended";
}

TEST_F(RegistryTest, UploadsAreBoundedInSize) {
  UploadParams limits;
  limits.max_blob_bytes = 10;
  start_registry(kKey, limits);
  const std::string location = start_upload();
  auto patch = client().Patch(location, auth(), "eleven byte", "application/octet-stream");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 413);
  EXPECT_EQ(code_of(patch), "SIZE_INVALID");
  EXPECT_EQ(upload_files(), 0);
}

TEST_F(RegistryTest, AManifestNamingAMissingBlobIsRefused) {
  start_registry(kKey);
  store::Manifest m;
  m.config = stored_.config;
  m.layers.push_back({store::layer_media_type(store::LayerKind::kModel), store::sha256_of("absent"), 6});
  auto put = client().Put("/v2/me/tiny/manifests/latest", auth(), m.to_json(), std::string(store::kManifestMediaType));
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 400);
  EXPECT_EQ(code_of(put), "MANIFEST_BLOB_UNKNOWN");
  EXPECT_FALSE(store_.contains(ref("me/tiny")));
  auto junk = client().Put("/v2/me/tiny/manifests/latest", auth(), "{\"schemaVersion\": 2", std::string(store::kManifestMediaType));
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
  EXPECT_EQ(code_of(junk), "MANIFEST_INVALID");
}

}  // namespace
}  // namespace herd::server::testing
