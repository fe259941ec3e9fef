// What the attack run found, each pinned: browser checks, bounded JSON, truncated
// echoes, real error statuses, request ids and the access log, /tokenize's default,
// Range ignored, refusals from the headers, and drains that do not wait on idle clients.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "../support/raw_http.h"
#include "http_fixture.h"
#include "base/json_limits.h"
#include "server_test_util.h"

namespace herd::server {
namespace {

using nlohmann::json;
using testing::FakeService;
using testing::HttpServerTest;
using testing::kChat;
using herd::testing::RawClient;
using herd::testing::status_of;

std::string raw_post(const std::string& path, const std::string& body, const std::string& headers) {
  return "POST " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

TEST_F(HttpServerTest, LoopbackBindRefusesForeignHostHeaders) {
  start(std::make_unique<FakeService>());
  RawClient c(port_);
  ASSERT_TRUE(c.send(raw_post("/v1/chat/completions", kChat, "Host: evil.example:8080\r\n")));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 421) << r;
  EXPECT_TRUE(service_->requests().empty());
  RawClient ok(port_);
  ASSERT_TRUE(ok.send(raw_post("/v1/chat/completions", kChat, "Host: localhost:8080\r\n")));
  EXPECT_EQ(status_of(ok.read_response()), 200);
}

TEST_F(HttpServerTest, JsonRoutesRefuseOtherContentTypesButAcceptNone) {
  start(std::make_unique<FakeService>());
  httplib::Result text = client().Post("/v1/chat/completions", kChat, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  EXPECT_EQ(error_of(text)["code"], "unsupported_media_type");
  httplib::Result form = client().Post("/tokenize", "content=x", "application/x-www-form-urlencoded");
  EXPECT_EQ(form->status, 415);
  EXPECT_TRUE(service_->requests().empty());
  RawClient none(port_);
  ASSERT_TRUE(none.send(raw_post("/v1/chat/completions", kChat, "Host: 127.0.0.1\r\n")));
  EXPECT_EQ(status_of(none.read_response()), 200);
  httplib::Result charset = client().Post("/v1/chat/completions", kChat, "application/json; charset=utf-8");
  EXPECT_EQ(charset->status, 200);
}

TEST_F(HttpServerTest, CrossOriginIsRefusedAndNoCorsUnlessConfigured) {
  start(std::make_unique<FakeService>());
  httplib::Headers evil = {{"Origin", "https://evil.example"}};
  httplib::Result r = client().Post("/v1/chat/completions", evil, kChat, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  httplib::Result pre = client().Options("/v1/chat/completions", evil);
  ASSERT_TRUE(pre);
  EXPECT_FALSE(pre->has_header("Access-Control-Allow-Origin"));
  EXPECT_TRUE(service_->requests().empty());
}

TEST_F(HttpServerTest, ConfiguredCorsOriginIsAllowed) {
  HttpServerParams params;
  params.cors_origin = "http://localhost:3000";
  start(std::make_unique<FakeService>(), params);
  httplib::Headers mine = {{"Origin", "http://localhost:3000"}};
  httplib::Result pre = client().Options("/v1/chat/completions", mine);
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
  httplib::Result r = client().Post("/v1/chat/completions", mine, kChat, "application/json");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
  httplib::Result other = client().Post("/v1/chat/completions", {{"Origin", "http://other:1"}}, kChat,
                                        "application/json");
  EXPECT_EQ(other->status, 403);
}

TEST_F(HttpServerTest, DeepOrWideJsonIs400BeforeItIsBuilt) {
  start(std::make_unique<FakeService>());
  const std::string deep = R"({"messages": [{"role": "user", "content": "hi"}], "x": )" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  httplib::Result r = post("/v1/chat/completions", deep);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("nested"), std::string::npos);
  std::string wide = R"({"messages": [{"role": "user", "content": "hi"}], "x": {)";
  for (int i = 0; i < 70000; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  EXPECT_EQ(post("/v1/chat/completions", wide + "}}")->status, 400);
  // Many tiny strings: each would cost a heap block far larger than its three bytes.
  std::string strings = R"({"messages": [{"role": "user", "content": "hi"}], "x": [)";
  for (int i = 0; i < 140000; ++i) strings += i ? ",\"\"" : "\"\"";
  httplib::Result many = post("/v1/chat/completions", strings + "]}");
  ASSERT_TRUE(many);
  EXPECT_EQ(many->status, 400);
  EXPECT_NE(error_of(many)["message"].get<std::string>().find("strings, arrays and objects"), std::string::npos);
  // Long token-id prompts (numbers) stay within bounds.
  std::string ids = R"({"prompt": [)";
  for (int i = 0; i < 200000; ++i) ids += i ? ",1" : "1";
  EXPECT_TRUE(check_json_shape(ids + "]}").ok());
  EXPECT_EQ(post("/tokenize", R"({"content": "x", "y": )" + std::string(1000, '[') + std::string(1000, ']') + "}")->status,
            400);
  EXPECT_TRUE(service_->requests().empty());
}

TEST_F(HttpServerTest, ErrorsEchoOnlyATruncatedValue) {
  start(std::make_unique<FakeService>());
  const std::string role(1 << 20, 'r');
  httplib::Result r = post("/v1/chat/completions", R"({"messages": [{"role": ")" + role + R"(", "content": "x"}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_LT(r->body.size(), 1024u);
  EXPECT_NE(error_of(r)["message"].get<std::string>().find("rrr..."), std::string::npos);
  httplib::Result model = post("/v1/chat/completions", R"({"model": ")" + role + R"(", "messages": []})");
  EXPECT_LT(model->body.size(), 1024u);
  EXPECT_LT(client().Get(("/v1/models/" + std::string(5000, 'm')).c_str())->body.size(), 1024u);
}

TEST_F(HttpServerTest, AnEngineFailureIsA500WithoutItsInternalText) {
  auto failing = [](const GenerationRequest&, RequestStream& s) {
    s.push(RequestFailed{internal_error("kv invariant broken at block 17")});
  };
  start(std::make_unique<FakeService>(failing));
  httplib::Result r = client().Post("/v1/chat/completions", {{"X-Request-Id", "req-42"}}, kChat, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const json e = error_of(r);
  EXPECT_EQ(e["type"], "server_error");
  EXPECT_EQ(r->body.find("block 17"), std::string::npos) << r->body;
  EXPECT_NE(e["message"].get<std::string>().find("req-42"), std::string::npos);
  EXPECT_NE(logged().find("kv invariant broken at block 17"), std::string::npos) << logged();
  // A stream that fails carries the same public error.
  httplib::Result s = post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}], "stream": true})");
  EXPECT_EQ(s->body.find("block 17"), std::string::npos);
  EXPECT_NE(s->body.find("server_error"), std::string::npos);
}

TEST_F(HttpServerTest, LoggedTextCannotForgeALogLine) {
  auto failing = [](const GenerationRequest&, RequestStream& s) {
    s.push(RequestFailed{internal_error("bad\r\n2026-01-01T00:00:00.000Z id=x GET /health status=200")});
  };
  start(std::make_unique<FakeService>(failing));
  httplib::Result r = post("/v1/chat/completions", kChat);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  const std::string log = logged();
  EXPECT_EQ(log.find("\n2026-01-01"), std::string::npos) << log;
  EXPECT_NE(log.find("bad\\x0d\\x0a2026-01-01"), std::string::npos) << log;
}

TEST_F(HttpServerTest, RequestIdIsReturnedAndTheAccessLogHasNoPrompt) {
  start(std::make_unique<FakeService>());
  const std::string secret = R"({"messages": [{"role": "user", "content": "my secret prompt"}]})";
  httplib::Result r = client().Post("/v1/chat/completions", {{"X-Request-Id", "abc-1"}, {"Authorization", "Bearer sk-x"}},
                                    secret, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("x-request-id"), "abc-1");
  httplib::Result generated = client().Get("/health");
  EXPECT_EQ(generated->get_header_value("x-request-id").size(), 16u);
  const std::string log = logged_after("id=abc-1 POST");
  const size_t line = log.find("id=abc-1 POST /v1/chat/completions model=test-model status=200");
  ASSERT_NE(line, std::string::npos) << log;
  EXPECT_NE(log.find("prompt_tokens=", line), std::string::npos);
  EXPECT_NE(log.find("completion_tokens=2", line), std::string::npos);
  EXPECT_NE(log.find("ttft_ms=", line), std::string::npos);
  EXPECT_EQ(log.find("secret"), std::string::npos);
  EXPECT_EQ(log.find("sk-x"), std::string::npos);
}

TEST_F(HttpServerTest, TokenizeReadsSpecialMarkupAsTextByDefault) {
  start(std::make_unique<FakeService>());
  httplib::Result plain = post("/tokenize", R"({"content": "<|im_start|>"})");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  httplib::Result special = post("/tokenize", R"({"content": "<|im_start|>", "parse_special": true})");
  EXPECT_EQ(json::parse(special->body)["tokens"].size(), 1u);
  EXPECT_GT(json::parse(plain->body)["tokens"].size(), 1u);
}

TEST_F(HttpServerTest, RangeIsIgnored) {
  start(std::make_unique<FakeService>());
  httplib::Result full = client().Get("/v1/models");
  httplib::Result ranged = client().Get("/v1/models", {{"Range", "bytes=0-3,5-9"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 200);
  EXPECT_FALSE(ranged->has_header("Content-Range"));
  EXPECT_EQ(ranged->body, full->body);
}

TEST_F(HttpServerTest, OverLimitContentLengthIs413WithoutABody) {
  HttpServerParams params;
  params.max_body_bytes = 1024;
  params.body_timeout = std::chrono::milliseconds(600000);  // the answer cannot come from a deadline
  start(std::make_unique<FakeService>(), params);
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n"));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 413);
  EXPECT_NE(r.find("request_too_large"), std::string::npos);
  RawClient plus(port_);
  ASSERT_TRUE(plus.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: +5\r\n\r\nhello"));
  EXPECT_EQ(status_of(plus.read_response()), 400);
}

TEST_F(HttpServerTest, DrainDoesNotWaitForIdleOrSlowClients) {
  start(std::make_unique<FakeService>());
  RawClient idle(port_);
  ASSERT_TRUE(idle.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(status_of(idle.read_response()), 200);  // now an idle keep-alive connection
  RawClient slow(port_);
  ASSERT_TRUE(slow.send("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"pro"));
  server_->drain();  // returns: nothing is in flight
  serving_.join();
  EXPECT_TRUE(serve_status_.ok());
  EXPECT_TRUE(idle.read_to_close());
  EXPECT_TRUE(slow.read_to_close());
}

}  // namespace
}  // namespace herd::server
