// The server on an ephemeral loopback port, in a thread, over the scripted FakeService;
// httplib's client (or a raw socket) on the other side. Log lines are kept for tests.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "server/http_server.h"
#include "server_test_util.h"

namespace herd::server::testing {

using namespace std::chrono_literals;

inline const char* kChat = R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}]})";

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(std::unique_ptr<FakeService> service, HttpServerParams params = {}, bool ready = true) {
    ASSERT_NE(qwen2_tokenizer(), nullptr) << "needs " << HERD_SHARED_DIR << "/models/vocab";
    params.host = "127.0.0.1";
    params.port = 0;
    params.keep_alive_interval = std::chrono::milliseconds(50);
    params.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += std::string(line) + "\n";
    };
    server_ = std::make_unique<HttpServer>(params);
    Result<int> port = server_->bind();
    ASSERT_TRUE(port.ok()) << port.status().message();
    port_ = *port;
    serving_ = std::thread([this] { serve_status_ = server_->serve(); });
    service_ = std::move(service);
    if (ready) server_->set_ready(test_model(), service_.get());
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (serving_.joinable()) serving_.join();
    if (service_) service_->drain();
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }

  httplib::Result post(const std::string& path, const std::string& body) {
    return client().Post(path.c_str(), body, "application/json");
  }

  static nlohmann::json error_of(const httplib::Result& r) { return nlohmann::json::parse(r->body)["error"]; }

  std::string logged() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }
  // The log once it holds `needle`: the access-log line is written after the response is
  // sent, so a client can see the answer first. The wait is a hang guard.
  std::string logged_after(const std::string& needle) {
    for (int i = 0; i < 2000 && logged().find(needle) == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return logged();
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<FakeService> service_;
  std::thread serving_;
  Status serve_status_;
  int port_ = 0;
  std::mutex log_mu_;
  std::string log_;
};

}  // namespace herd::server::testing
