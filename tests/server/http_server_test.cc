// Real HTTP round trips: the server on an ephemeral loopback port, in a thread, over
// the scripted FakeService; httplib's client (or a raw socket) on the other side.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_fixture.h"
#include "server_test_util.h"

namespace herd::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeService;
using testing::HttpServerTest;
using testing::eventually;
using testing::kChat;

TEST_F(HttpServerTest, HealthAndModels) {
  start(std::make_unique<FakeService>());
  httplib::Result h = client().Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
  httplib::Result m = client().Get("/v1/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  const json models = json::parse(m->body);
  EXPECT_EQ(models["object"], "list");
  ASSERT_EQ(models["data"].size(), 1u);
  EXPECT_EQ(models["data"][0]["id"], "test-model");
  EXPECT_EQ(models["data"][0]["object"], "model");
  EXPECT_EQ(client().Get("/v1/models/test-model")->status, 200);
  EXPECT_EQ(client().Get("/v1/models/nope")->status, 404);
}

TEST_F(HttpServerTest, LoadingIs503WithRetryAfter) {
  start(std::make_unique<FakeService>(), {}, /*ready=*/false);
  httplib::Result h = client().Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);
  EXPECT_EQ(json::parse(h->body)["status"], "loading");
  EXPECT_TRUE(h->has_header("Retry-After"));
  httplib::Result c = post("/v1/chat/completions", kChat);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 503);
  EXPECT_TRUE(c->has_header("Retry-After"));
  EXPECT_EQ(error_of(c)["code"], "unavailable");
}

TEST_F(HttpServerTest, ChatCompletion) {
  start(std::make_unique<FakeService>());
  httplib::Result r = post("/v1/chat/completions",
                           R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}], "seed": 3,
                               "max_tokens": 8, "stop": "x"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["model"], "test-model");
  EXPECT_GT(j["created"].get<int64_t>(), 1600000000);
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
  const std::vector<GenerationRequest> seen = service_->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].sampling.seed, 3u);
  EXPECT_EQ(seen[0].max_tokens, 8);
  EXPECT_EQ(seen[0].stop, std::vector<std::string>{"x"});
  EXPECT_FLOAT_EQ(seen[0].sampling.temperature, 1.0f);
  EXPECT_EQ(seen[0].sampling.top_k, 0);
}

TEST_F(HttpServerTest, CompletionWithChoicesAndLogprobs) {
  start(std::make_unique<FakeService>());
  httplib::Result r = post("/v1/completions", R"({"prompt": "Once upon a time", "n": 2, "logprobs": 1})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  ASSERT_EQ(j["choices"].size(), 2u);
  EXPECT_EQ(j["choices"][1]["index"], 1);
  EXPECT_EQ(j["choices"][1]["text"], "Hello");
  EXPECT_EQ(j["choices"][0]["logprobs"]["tokens"].size(), 2u);
  EXPECT_EQ(j["choices"][0]["logprobs"]["text_offset"][1], j["choices"][0]["logprobs"]["tokens"][0].get<std::string>().size());
  EXPECT_EQ(j["usage"]["completion_tokens"], 4);
}

TEST_F(HttpServerTest, StreamingChatEndsWithDoneAndUsage) {
  start(std::make_unique<FakeService>());
  httplib::Result r = post("/v1/chat/completions",
                           R"({"messages": [{"role": "user", "content": "hi"}], "stream": true,
                               "stream_options": {"include_usage": true}})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  const std::string& body = r->body;
  ASSERT_GE(body.size(), 14u);
  EXPECT_EQ(body.substr(body.size() - 14), "data: [DONE]\n\n");
  std::string content;
  json usage;
  size_t pos = 0;
  while ((pos = body.find("data: {", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    const json chunk = json::parse(body.substr(pos + 6, end - pos - 6));
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content")) {
      content += chunk["choices"][0]["delta"]["content"].get<std::string>();
    }
    if (!chunk["usage"].is_null()) usage = chunk["usage"];
    pos = end;
  }
  EXPECT_EQ(content, "Hello");
  EXPECT_EQ(usage["completion_tokens"], 2);
}

TEST_F(HttpServerTest, BadFieldIs400NamingIt) {
  start(std::make_unique<FakeService>());
  httplib::Result r = post("/v1/chat/completions",
                           R"({"messages": [{"role": "user", "content": "hi"}], "temperature": "warm"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const json e = error_of(r);
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_EQ(e["param"], "temperature");
  EXPECT_TRUE(e.contains("message"));
  EXPECT_TRUE(e.contains("code"));
  EXPECT_EQ(post("/v1/chat/completions", "not json")->status, 400);
  EXPECT_TRUE(service_->requests().empty());
}

TEST_F(HttpServerTest, PromptBeyondTheContextIs400) {
  start(std::make_unique<FakeService>());  // n_ctx 64
  std::string ids;
  for (int i = 0; i < 70; ++i) ids += (i ? "," : "") + std::to_string(100 + i);
  httplib::Result r = post("/v1/completions", "{\"prompt\": [" + ids + "]}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(r)["param"], "prompt");
  r = post("/v1/completions", R"({"prompt": [1, 2, 3], "max_tokens": 62})");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(r)["param"], "max_tokens");
}

TEST_F(HttpServerTest, UnknownModelIs404) {
  start(std::make_unique<FakeService>());
  httplib::Result r = post("/v1/chat/completions", R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_of(r)["code"], "model_not_found");
  EXPECT_EQ(error_of(r)["param"], "model");
}

TEST_F(HttpServerTest, UnknownRouteIs404InOpenAiShape) {
  start(std::make_unique<FakeService>());
  httplib::Result r = client().Get("/v1/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_of(r)["type"], "invalid_request_error");
}

TEST_F(HttpServerTest, BodyTooLargeIs413) {
  HttpServerParams params;
  params.max_body_bytes = 1024;
  start(std::make_unique<FakeService>(), params);
  httplib::Result r = post("/v1/chat/completions",
                           R"({"messages": [{"role": "user", "content": ")" + std::string(4000, 'a') + "\"}]}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(error_of(r)["code"], "request_too_large");
  // A chunked body has no Content-Length to check up front; it is cut off while read.
  const std::string big = R"({"messages": [{"role": "user", "content": ")" + std::string(4000, 'a') + "\"}]}";
  httplib::Result chunked = client().Post(
      "/v1/chat/completions",
      [&big](size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<size_t>(500, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);
  EXPECT_TRUE(service_->requests().empty());
}

TEST_F(HttpServerTest, FullQueueIs429WithRetryAfter) {
  start(std::make_unique<FakeService>(FakeService::say_hello, /*capacity=*/0));
  httplib::Result r = post("/v1/chat/completions", kChat);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_EQ(error_of(r)["type"], "rate_limit_error");
}

TEST_F(HttpServerTest, MetricsAfterARequest) {
  start(std::make_unique<FakeService>());
  ASSERT_EQ(post("/v1/chat/completions", kChat)->status, 200);
  logged_after("POST /v1/chat/completions");  // the request is counted once its response is sent
  httplib::Result m = client().Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->get_header_value("Content-Type").rfind("text/plain", 0), 0u);
  const std::string& t = m->body;
  EXPECT_NE(t.find("herd_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_time_to_first_token_seconds_count{model=\"test-model\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_inter_token_latency_seconds_count{model=\"test-model\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_completion_tokens_total{model=\"test-model\"} 2"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_queue_depth{model=\"test-model\"} 3"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_kv_blocks_in_use{model=\"test-model\"} 7"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_models_loaded 1"), std::string::npos) << t;
  EXPECT_NE(t.find("herd_model_loads_total{model=\"test-model\"} 1"), std::string::npos) << t;
}

TEST_F(HttpServerTest, TokenizeAndDetokenize) {
  start(std::make_unique<FakeService>());
  httplib::Result t = post("/tokenize", R"({"content": "Hello world"})");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->status, 200) << t->body;
  const json tokens = json::parse(t->body)["tokens"];
  EXPECT_FALSE(tokens.empty());
  httplib::Result d = post("/detokenize", json{{"tokens", tokens}}.dump());
  ASSERT_TRUE(d);
  ASSERT_EQ(d->status, 200);
  EXPECT_EQ(json::parse(d->body)["content"], "Hello world");
  httplib::Result p = post("/tokenize", R"({"content": "Hi", "with_pieces": true})");
  EXPECT_EQ(json::parse(p->body)["tokens"][0]["piece"], "Hi");
  EXPECT_EQ(post("/tokenize", R"({"content": 5})")->status, 400);
  EXPECT_EQ(post("/detokenize", R"({"tokens": [-1]})")->status, 400);
}

TEST_F(HttpServerTest, ALongTokenListIsStreamedAndWhole) {
  start(std::make_unique<FakeService>());
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "Hello world, " + std::to_string(i) + "! ";
  httplib::Result t = post("/tokenize", json{{"content", content}, {"with_pieces", true}}.dump());
  ASSERT_TRUE(t);
  ASSERT_EQ(t->status, 200);
  // Written as it is made (not built whole in memory), so it goes out chunked.
  EXPECT_EQ(t->get_header_value("Transfer-Encoding"), "chunked");
  const json tokens = json::parse(t->body)["tokens"];
  const std::vector<int32_t> expected = testing::qwen2_tokenizer()->encode(content, false, false);
  ASSERT_EQ(tokens.size(), expected.size());
  std::string pieces;
  for (size_t i = 0; i < tokens.size(); ++i) {
    ASSERT_EQ(tokens[i]["id"].get<int32_t>(), expected[i]) << i;
    pieces += tokens[i]["piece"].get<std::string>();
  }
  EXPECT_EQ(pieces, content);
  httplib::Result ids = post("/tokenize", json{{"content", content}}.dump());
  ASSERT_TRUE(ids);
  EXPECT_EQ(json::parse(ids->body)["tokens"].get<std::vector<int32_t>>(), expected);
}

// Reads from `fd` until `needle` shows up (or the peer closes, or time runs out).
bool read_until(int fd, const std::string& needle) {
  std::string seen;
  char buf[4096];
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < end) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    seen.append(buf, static_cast<size_t>(n));
    if (seen.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Sends a POST over a raw socket (so the test can hang up at will); the socket, or -1.
int post_raw(int port, const std::string& path, const std::string& body) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(HttpServerTest, ClientDisconnectCancelsTheStream) {
  std::atomic<bool> saw_cancel{false};
  auto endless = [&saw_cancel](const GenerationRequest&, RequestStream& s) {
    for (int i = 0; i < 500 && !s.cancelled(); ++i) {
      s.push(ChoiceDelta{0, "tok ", {1}, {}, std::nullopt});
      std::this_thread::sleep_for(10ms);
    }
    saw_cancel.store(s.cancelled());
    s.push(ChoiceDelta{0, "", {}, {}, FinishReason::kCancelled});
    s.push(RequestDone{});
  };
  start(std::make_unique<FakeService>(endless));
  const int fd = post_raw(port_, "/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "stream": true})");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(read_until(fd, "tok "));  // the stream is running
  close(fd);
  EXPECT_TRUE(eventually([&] { return saw_cancel.load(); })) << "the server never cancelled the request";
}

TEST_F(HttpServerTest, ClientDisconnectCancelsAWholeAnswerToo) {
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> running{false};
  auto endless = [&](const GenerationRequest&, RequestStream& s) {
    running.store(true);
    for (int i = 0; i < 500 && !s.cancelled(); ++i) {
      s.push(ChoiceDelta{0, "tok ", {1}, {}, std::nullopt});
      std::this_thread::sleep_for(10ms);
    }
    saw_cancel.store(s.cancelled());
    s.push(ChoiceDelta{0, "", {}, {}, FinishReason::kCancelled});
    s.push(RequestDone{});
  };
  start(std::make_unique<FakeService>(endless));
  const int fd = post_raw(port_, "/v1/completions", R"({"prompt": "hi", "max_tokens": 40})");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(eventually([&] { return running.load(); }));
  close(fd);  // gone before any byte of the answer
  EXPECT_TRUE(eventually([&] { return saw_cancel.load(); })) << "the server never cancelled the request";
}

TEST_F(HttpServerTest, DrainFinishesInFlightThenStops) {
  std::atomic<bool> release{false};
  auto held = [&release](const GenerationRequest& r, RequestStream& s) {
    while (!release.load()) std::this_thread::sleep_for(2ms);
    FakeService::say_hello(r, s);
  };
  start(std::make_unique<FakeService>(held));
  httplib::Result in_flight{nullptr, httplib::Error::Unknown};
  std::thread requester([&] { in_flight = post("/v1/chat/completions", kChat); });
  ASSERT_TRUE(eventually([&] { return service_->active() == 1; }));

  std::thread drainer([&] { server_->drain(); });
  ASSERT_TRUE(eventually([&] { return server_->draining(); }));
  httplib::Result h = client().Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);
  EXPECT_EQ(json::parse(h->body)["status"], "draining");
  httplib::Result refused = post("/v1/chat/completions", kChat);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(refused->has_header("Retry-After"));

  release.store(true);
  requester.join();
  ASSERT_TRUE(in_flight);
  EXPECT_EQ(in_flight->status, 200);
  EXPECT_EQ(json::parse(in_flight->body)["choices"][0]["message"]["content"], "Hello");
  drainer.join();
  serving_.join();  // serve() returned: the server stopped by itself
  EXPECT_TRUE(serve_status_.ok());
}

TEST_F(HttpServerTest, DrainWaitsForAStreamToFinish) {
  std::atomic<bool> release{false};
  auto held = [&release](const GenerationRequest& r, RequestStream& s) {
    s.push(ChoiceDelta{0, "first ", {1}, {}, std::nullopt});
    while (!release.load()) std::this_thread::sleep_for(2ms);
    FakeService::say_hello(r, s);
  };
  start(std::make_unique<FakeService>(held));
  httplib::Result streamed{nullptr, httplib::Error::Unknown};
  std::thread requester([&] {
    streamed = post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "stream": true})");
  });
  ASSERT_TRUE(eventually([&] { return service_->active() == 1; }));
  std::thread drainer([&] { server_->drain(); });
  std::this_thread::sleep_for(50ms);
  release.store(true);
  requester.join();
  drainer.join();
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->status, 200);
  EXPECT_NE(streamed->body.find("data: [DONE]"), std::string::npos);
}

}  // namespace
}  // namespace herd::server
