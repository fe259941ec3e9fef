// The server with --auth over the scripted FakeService: a gateway on a real database
// (SQLite in a temp dir, or the throwaway PostgreSQL cluster), with a few keys made the
// way `herd keys create` makes them.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <string>

#include "../support/postgres_cluster.h"
#include "../support/temp_dir.h"
#include "gateway/gateway.h"
#include "gateway/key_admin.h"
#include "http_fixture.h"

namespace herd::server::testing {

inline gateway::KeyHasher test_hasher() {
  std::array<uint8_t, 32> secret{};
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(i * 7 + 3);
  return gateway::KeyHasher::from_secret(secret);
}

// "sqlite" or "postgres": a fresh database of that kind for one test.
inline std::string fresh_gateway_db(const std::string& backend, const herd::testing::TempDir& dir) {
  if (backend == "postgres") return herd::testing::PostgresCluster::shared().fresh_database_uri();
  return dir / "gateway.db";
}

class GatewayServerTest : public HttpServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void open_gateway() {
    Result<std::unique_ptr<gateway::GatewayDb>> db = gateway::open_gateway_db(fresh_gateway_db(GetParam(), dir_));
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->migrate(hasher_.check_value()).ok());
  }

  // A key like `herd keys create` makes; returns the key text.
  std::string make_key(const std::string& name, gateway::KeySpec spec = {}) {
    spec.name = name;
    Result<gateway::CreatedKey> k = gateway::create_key(*db_, hasher_, spec);
    EXPECT_TRUE(k.ok()) << k.status().message();
    if (!k.ok()) return "";
    ids_[name] = k->record.id;
    return k->key;
  }

  void start_gateway(std::unique_ptr<FakeService> service) {
    gateway::GatewayParams gp;
    gp.db = db_.get();
    gp.hasher = hasher_;
    gp.holder = "test-holder";
    gp.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += std::string(line) + "\n";
    };
    Result<std::unique_ptr<gateway::Gateway>> g = gateway::Gateway::create(std::move(gp));
    ASSERT_TRUE(g.ok()) << g.status().message();
    gateway_ = std::move(g).value();
    HttpServerParams params;
    params.gateway = gateway_.get();
    params.n_http_threads = 128;  // the tests send 64 at once
    start(std::move(service), params);
  }

  void TearDown() override {
    HttpServerTest::TearDown();
    gateway_.reset();
  }

  httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }
  // A chat completion with `key` as the bearer.
  httplib::Result post_with(const std::string& key, const std::string& body = kChat,
                            const httplib::Headers& more = {}) {
    httplib::Headers h = bearer(key);
    h.insert(more.begin(), more.end());
    return client().Post("/v1/chat/completions", h, body, "application/json");
  }

  herd::testing::TempDir dir_;
  gateway::KeyHasher hasher_ = test_hasher();
  std::unique_ptr<gateway::GatewayDb> db_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::map<std::string, int64_t> ids_;
};

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace herd::server::testing
