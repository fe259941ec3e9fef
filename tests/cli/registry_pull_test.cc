// One herd pulls from another: store/model_pull against herd's own registry routes
// (server/registry_routes), in-process on loopback.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "../support/shared_data.h"
#include "../support/store_model.h"
#include "../support/temp_dir.h"
#include "server/http_server.h"
#include "store/model_pull.h"

namespace herd {
namespace {

class RegistryPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gguf_ = testing::read_whole_file((testing::shared_dir() / "models" / "stories260K.gguf").string());
    ASSERT_GT(gguf_.size(), 256u << 10) << "the shared test data (../shared) is missing";
    model_ = testing::put_test_model(store::StoreLayout(remote_.path()), *store::ModelRef::parse("me/tiny:v1"), gguf_);
    server::HttpServerParams sp;
    sp.host = "127.0.0.1";
    sp.port = 0;
    sp.access_log = false;
    sp.log = [](std::string_view) {};
    server::RegistryParams registry;
    registry.home = remote_.path();
    sp.registry = registry;
    server_ = std::make_unique<server::HttpServer>(sp);
    Result<int> port = server_->bind();
    ASSERT_TRUE(port.ok()) << port.status().to_string();
    port_ = *port;
    thread_ = std::thread([this] { (void)server_->serve(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string name() const { return "http://127.0.0.1:" + std::to_string(port_) + "/me/tiny:v1"; }

  testing::TempDir local_, remote_;
  std::string gguf_;
  testing::StoredTestModel model_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(RegistryPullTest, PullsAModelFromAnotherHerd) {
  const store::ModelStore local(store::StoreLayout(local_.path()));
  Result<store::PullResult> r = store::pull_model(local, name(), store::PullOptions{});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->outcome, store::PullOutcome::kPulled);
  EXPECT_EQ(testing::read_whole_file(local.layout().manifest_path(r->ref)), model_.manifest)
      << "the manifest arrives byte for byte";
  Result<store::ResolvedModel> resolved = local.resolve(r->ref);
  ASSERT_TRUE(resolved.ok()) << resolved.status().to_string();
  EXPECT_TRUE(testing::read_whole_file(resolved->model_path) == gguf_);
}

TEST_F(RegistryPullTest, ResumesAgainstHerdsByteRanges) {
  const store::ModelStore local(store::StoreLayout(local_.path()));
  ASSERT_TRUE(local.layout().ensure_directories().ok());
  std::ofstream(local.layout().partial_path(model_.model.digest), std::ios::binary) << gguf_.substr(0, 300000);
  Result<store::PullResult> r = store::pull_model(local, name(), store::PullOptions{});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(testing::read_whole_file(local.layout().blob_path(model_.model.digest)) == gguf_);
}

TEST_F(RegistryPullTest, PullsInParallelRangesFromHerd) {
  const store::ModelStore local(store::StoreLayout(local_.path()));
  store::PullOptions options;
  options.download.parallel_min_size = 1000;
  options.download.parallel_parts = 5;
  Result<store::PullResult> r = store::pull_model(local, name(), options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(testing::read_whole_file(local.layout().blob_path(model_.model.digest)) == gguf_);
}

}  // namespace
}  // namespace herd
