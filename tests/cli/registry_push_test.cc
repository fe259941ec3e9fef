// The push client (store/registry_push) against herd's registry in-process, and against a
// registry that misbehaves: pieces shrink when the remote takes smaller bodies, and the key
// is never sent to a host other than the target's.
#include "store/registry_push.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/shared_data.h"
#include "../support/store_model.h"
#include "../support/temp_dir.h"
#include "http/server.h"
#include "server/http_server.h"

namespace herd {
namespace {

const std::string kKey = "a push key for the in-process herd";

store::ModelRef ref(const std::string& name) { return *store::ModelRef::parse(name); }

// A server on a free loopback port, served from a thread until the test ends.
template <typename ServerT>
class Running {
 public:
  explicit Running(std::unique_ptr<ServerT> server) : server_(std::move(server)) {
    Result<int> port = server_->bind();
    port_ = port.ok() ? *port : 0;
    thread_ = std::thread([this] { (void)server_->serve(); });
  }
  ~Running() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<ServerT> server_;
  int port_ = 0;
  std::thread thread_;
};

class RegistryPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("HERD_HOME", local_.path().c_str(), 1);
    gguf_ = testing::read_whole_file((testing::shared_dir() / "models" / "stories260K.gguf").string());
    ASSERT_GT(gguf_.size(), 256u << 10) << "the shared test data (../shared) is missing";
    model_ = testing::put_test_model(store::StoreLayout(local_.path()), ref("stories260K"), gguf_);
  }
  void TearDown() override { ::unsetenv("HERD_HOME"); }

  store::PushParams params(int port) {
    store::PushParams p;
    p.source = ref("stories260K");
    p.target = *store::parse_push_target("http://127.0.0.1:" + std::to_string(port) + "/me/tiny:v2");
    p.key = kKey;
    return p;
  }

  testing::TempDir local_, remote_;
  std::string gguf_;
  testing::StoredTestModel model_;
};

TEST_F(RegistryPushTest, PiecesShrinkToWhatTheRemoteTakes) {
  server::HttpServerParams sp;
  sp.host = "127.0.0.1";
  sp.port = 0;
  sp.max_body_bytes = 100u << 10;  // pieces of 4 MiB get 413 until they fit
  sp.access_log = false;
  sp.log = [](std::string_view) {};
  server::RegistryParams registry;
  registry.home = remote_.path();
  registry.push_key = std::make_shared<const server::PushKey>(*server::PushKey::create(kKey));
  sp.registry = registry;
  Running<server::HttpServer> remote(std::make_unique<server::HttpServer>(sp));
  ASSERT_GT(remote.port(), 0);

  std::vector<store::PushProgress> events;
  store::PushParams p = params(remote.port());
  p.on_progress = [&events](const store::PushProgress& e) { events.push_back(e); };
  const store::ModelStore local(store::StoreLayout(local_.path()));
  Result<store::Digest> pushed = store::push_model(local, p);
  ASSERT_TRUE(pushed.ok()) << pushed.status().to_string();
  EXPECT_EQ(*pushed, store::sha256_of(model_.manifest));

  const store::StoreLayout remote_layout(remote_.path());
  EXPECT_EQ(testing::read_whole_file(remote_layout.manifest_path(ref("me/tiny:v2"))), model_.manifest);
  EXPECT_TRUE(testing::read_whole_file(remote_layout.blob_path(model_.model.digest)) == gguf_);
  // The model went up in several pieces, each reported, the last one done.
  size_t model_events = 0;
  uint64_t last_sent = 0;
  for (const store::PushProgress& e : events) {
    if (e.digest != model_.model.digest) continue;
    ++model_events;
    EXPECT_GE(e.sent, last_sent);
    last_sent = e.sent;
  }
  EXPECT_GT(model_events, 3u);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back().done);
  EXPECT_EQ(events.back().sent, gguf_.size());
}

TEST_F(RegistryPushTest, AnUploadSentToAnotherHostIsRefused) {
  // A registry that tells the client to upload elsewhere (where the key would follow).
  std::atomic<int> requests{0};
  std::atomic<bool> auth_seen{false};
  http::ServerParams hp;
  hp.host = "127.0.0.1";
  hp.port = 0;
  auto fake = std::make_unique<http::Server>(hp);
  fake->route_prefix("GET", "/v2/", http::Lane::kCheap, [&](const http::Request& req, http::ResponseWriter& w) {
    ++requests;
    auth_seen = auth_seen || req.header("authorization").has_value();
    http::Response r;
    r.status = 404;
    w.send(r);
  });
  fake->route_prefix("POST", "/v2/", http::Lane::kCheap, [&](const http::Request&, http::ResponseWriter& w) {
    ++requests;
    http::Response r;
    r.status = 202;
    r.set_header("Location", "http://127.0.0.2:9/v2/me/tiny/blobs/uploads/steal");
    w.send(r);
  });
  Running<http::Server> remote(std::move(fake));
  ASSERT_GT(remote.port(), 0);
  const store::ModelStore local(store::StoreLayout(local_.path()));
  Result<store::Digest> pushed = store::push_model(local, params(remote.port()));
  ASSERT_FALSE(pushed.ok());
  EXPECT_NE(pushed.status().message().find("another host"), std::string::npos) << pushed.status().to_string();
  EXPECT_EQ(pushed.status().message().find(kKey), std::string::npos);
  EXPECT_EQ(requests.load(), 2) << "a HEAD and a POST, then nothing";
  EXPECT_TRUE(auth_seen.load()) << "the key goes to the target itself";
}

TEST_F(RegistryPushTest, TargetsMustNameTheirHost) {
  EXPECT_FALSE(store::parse_push_target("me/tiny").ok());
  EXPECT_FALSE(store::parse_push_target("registry.example.com/me/tiny").ok());
  EXPECT_FALSE(store::parse_push_target("https://hf.co/me/tiny").ok());
  Result<store::ModelRef> t = store::parse_push_target("http://10.0.0.5:8080/me/tiny:q8");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->scheme, "http");
  EXPECT_EQ(t->host, "10.0.0.5:8080");
  EXPECT_EQ(t->ns, "me");
  EXPECT_EQ(t->model, "tiny");
  EXPECT_EQ(t->tag, "q8");
}

}  // namespace
}  // namespace herd
