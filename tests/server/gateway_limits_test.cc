// herd serve --auth under load: rate limits with their headers, budgets that 64
// concurrent requests cannot overspend, billing once per Idempotency-Key, and a ledger
// whose totals equal the usage every client received.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "../support/raw_http.h"
#include "gateway_fixture.h"

namespace herd::server::testing {
namespace {

using Json = nlohmann::json;

// FakeService's say_hello, slowed so that concurrent requests overlap in the gateway.
void slow_hello(const GenerationRequest& r, RequestStream& s) {
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  FakeService::say_hello(r, s);
}

const std::string kTwoTokens =
    R"({"model": "test-model", "max_tokens": 2, "messages": [{"role": "user", "content": "hi"}]})";

class GatewayLimitsTest : public GatewayServerTest {
 protected:
  void SetUp() override {
    open_gateway();
    admin_ = make_key("ops", [] { gateway::KeySpec s; s.admin = true; return s; }());
    // 1 micro per input token and 1000 per output token (1 and 1000 per 1M tokens).
    ASSERT_TRUE(db_->set_price("test-model", gateway::Price{1'000'000, 500'000, 1'000'000'000}).ok());
  }

  // The prompt's token count for kTwoTokens (asked once of the unlimited admin key).
  int64_t prompt_tokens() {
    httplib::Result r = post_with(admin_, kTwoTokens);
    EXPECT_TRUE(r && r->status == 200);
    return r ? Json::parse(r->body)["usage"]["prompt_tokens"].get<int64_t>() : 0;
  }

  Json usage_of(const std::string& key_name) {
    httplib::Result r = client().Get(("/admin/usage?key=" + key_name).c_str(), bearer(admin_));
    EXPECT_TRUE(r && r->status == 200);
    return r ? Json::parse(r->body) : Json();
  }

  std::string admin_;
};

TEST_P(GatewayLimitsTest, RequestsPerMinuteWithHeadersAndRetryAfter) {
  const std::string key = make_key("rpm3", [] { gateway::KeySpec s; s.rpm = 3; return s; }());
  start_gateway(std::make_unique<FakeService>());
  for (int i = 0; i < 3; ++i) {
    httplib::Result r = post_with(key, kTwoTokens);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("x-ratelimit-limit-requests"), "3");
    EXPECT_EQ(r->get_header_value("x-ratelimit-remaining-requests"), std::to_string(2 - i));
    EXPECT_FALSE(r->get_header_value("x-ratelimit-reset-requests").empty());
  }
  httplib::Result r = post_with(key, kTwoTokens);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(error_of(r)["code"], "rate_limit_exceeded");
  const int retry = std::stoi(r->get_header_value("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(r->get_header_value("x-ratelimit-remaining-requests"), "0");
  // Refused requests are not billed: three rows.
  EXPECT_EQ(usage_of("rpm3")["total"]["requests"], 3);
}

TEST_P(GatewayLimitsTest, TokensPerMinuteCountsPromptAndCapThenTheRealUse) {
  start_gateway(std::make_unique<FakeService>());
  const int64_t p = prompt_tokens();
  ASSERT_GT(p, 0);
  // Room for two requests' worst case (prompt + 8) but not three.
  gateway::KeySpec spec;
  spec.tpm = 2 * (p + 8) + 1;
  const std::string key = make_key("tpm", spec);
  const std::string eight = R"({"model": "test-model", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]})";
  httplib::Result a = post_with(key, eight);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(a->get_header_value("x-ratelimit-limit-tokens"), std::to_string(*spec.tpm));
  // The answer used 2 completion tokens, not 8: the window holds p + 2 now, so two more
  // worst cases of p + 8 fit after all (2p + 18 of 2p + 17 would not: one does).
  httplib::Result b = post_with(key, eight);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 200) << b->body;
  httplib::Result c = post_with(key, eight);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 429) << c->body;
  EXPECT_EQ(error_of(c)["code"], "rate_limit_exceeded");
  EXPECT_FALSE(c->get_header_value("x-ratelimit-remaining-tokens").empty());
  // A request larger than the whole limit says so.
  httplib::Result huge = post_with(key, R"({"model": "test-model", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 429);
  EXPECT_NE(error_of(huge)["message"].get<std::string>().find("max_tokens"), std::string::npos);
}

TEST_P(GatewayLimitsTest, SixtyFourConcurrentRequestsNeverOverspendABudget) {
  start_gateway(std::make_unique<FakeService>(slow_hello, 128));
  const int64_t p = prompt_tokens();
  const int64_t cost = p * 1 + 2 * 1000;  // micros: the worst case is the real cost here
  // Room for exactly 10 requests (and a half).
  gateway::KeySpec spec;
  spec.budget = 10 * cost + cost / 2;
  spec.period = gateway::BudgetPeriod::kMonth;
  const std::string key = make_key("budget", spec);
  std::atomic<int> ok{0}, quota{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back([&] {
      httplib::Result r = post_with(key, kTwoTokens);
      if (!r) return ++other, void();
      if (r->status == 200) return ++ok, void();
      if (r->status == 429 && error_of(r)["code"] == "insufficient_quota") return ++quota, void();
      ADD_FAILURE() << r->status << " " << r->body;
      ++other;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(quota.load(), 54);
  EXPECT_EQ(other.load(), 0);
  Result<gateway::Micros> spent = db_->spent(ids_["budget"], gateway::period_start(gateway::BudgetPeriod::kMonth,
                                                                                   gateway_->now_us() / 1'000'000));
  ASSERT_TRUE(spent.ok());
  EXPECT_EQ(*spent, 10 * cost);
  EXPECT_LE(*spent, *spec.budget);
  const Json usage = usage_of("budget");
  EXPECT_EQ(usage["total"]["requests"], 10);
  EXPECT_EQ(usage["total"]["cost_micros"], 10 * cost);
}

TEST_P(GatewayLimitsTest, AnIdempotencyKeyIsBilledOnce) {
  const std::string key = make_key("retry");
  start_gateway(std::make_unique<FakeService>());
  for (int i = 0; i < 3; ++i) {
    httplib::Result r = post_with(key, kTwoTokens, {{"Idempotency-Key", "order-42"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  ASSERT_EQ(post_with(key, kTwoTokens, {{"Idempotency-Key", "order-43"}})->status, 200);
  EXPECT_EQ(usage_of("retry")["total"]["requests"], 2);
  httplib::Result bad = post_with(key, kTwoTokens, {{"Idempotency-Key", std::string(300, 'x')}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_P(GatewayLimitsTest, TheLedgerEqualsTheUsageEveryClientReceived) {
  start_gateway(std::make_unique<FakeService>(slow_hello, 128));
  const std::string a = make_key("team-a");
  const std::string b = make_key("team-b");
  std::atomic<int64_t> prompt{0}, completion{0}, requests{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back([&, i] {
      const bool stream = i % 2 == 1;
      std::string body = R"({"model": "test-model", "max_tokens": 2, "n": )" + std::to_string(1 + i % 3) +
                         R"(, "messages": [{"role": "user", "content": "hello )" + std::string(i, 'x') + "\"}]";
      if (stream) body += R"(, "stream": true, "stream_options": {"include_usage": true})";
      body += "}";
      httplib::Result r = post_with(i % 4 == 0 ? b : a, body);
      if (!r || r->status != 200) return;
      Json usage;
      if (stream) {
        // The usage chunk: the data event whose JSON has a "usage" object.
        size_t at = 0;
        while ((at = r->body.find("data: {", at)) != std::string::npos) {
          const size_t end = r->body.find('\n', at);
          const Json event = Json::parse(r->body.substr(at + 6, end - at - 6));
          if (event.contains("usage") && event["usage"].is_object()) usage = event["usage"];
          at = end;
        }
        if (usage.is_null()) return;
      } else {
        usage = Json::parse(r->body)["usage"];
      }
      prompt += usage["prompt_tokens"].get<int64_t>();
      completion += usage["completion_tokens"].get<int64_t>();
      ++requests;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(requests.load(), 32);
  httplib::Result r = client().Get("/admin/usage?by=key", bearer(admin_));
  ASSERT_TRUE(r);
  const Json report = Json::parse(r->body);
  EXPECT_EQ(report["total"]["requests"], 32);
  EXPECT_EQ(report["total"]["prompt_tokens"], prompt.load());
  EXPECT_EQ(report["total"]["completion_tokens"], completion.load());
  EXPECT_EQ(report["data"].size(), 2u);
}

TEST_P(GatewayLimitsTest, AClientThatLeavesIsBilledForWhatRanAndItsReservationReturns) {
  std::atomic<int> sent{0};
  auto endless = [&sent](const GenerationRequest&, RequestStream& s) {
    for (int i = 0; i < 2000 && !s.cancelled(); ++i) {
      ++sent;  // counted before the server can see it
      s.push(ChoiceDelta{0, "tok ", {1}, {}, std::nullopt});
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    s.push(ChoiceDelta{0, "", {}, {}, FinishReason::kCancelled});
    s.push(RequestDone{});
  };
  start_gateway(std::make_unique<FakeService>(endless));
  gateway::KeySpec spec;
  spec.budget = 1'000'000;  // micros; the worst case of one request fits, not two at once
  spec.period = gateway::BudgetPeriod::kDay;
  const std::string key = make_key("leaver", spec);
  const std::string body =
      R"({"model": "test-model", "max_tokens": 40, "stream": true, "messages": [{"role": "user", "content": "hi"}]})";
  {
    herd::testing::RawClient c(port_);
    ASSERT_TRUE(c.ok());
    c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key +
           "\r\nx-request-id: leaver-1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
    ASSERT_TRUE(c.read_until("tok "));
    ASSERT_TRUE(eventually([&] { return sent.load() >= 5; }));
  }  // the client hangs up mid-stream
  Result<std::vector<gateway::LedgerRow>> rows = db_->ledger_rows({}, 100);
  ASSERT_TRUE(eventually([&] {
    rows = db_->ledger_rows({}, 100);
    return rows.ok() && !rows->empty();
  })) << "no ledger row for the abandoned request";
  const gateway::LedgerRow& row = rows->front();
  EXPECT_EQ(row.request_id, "leaver-1");
  EXPECT_EQ(row.status, 499);
  EXPECT_GE(row.tokens.completion, 1);
  EXPECT_LE(row.tokens.completion, sent.load());
  EXPECT_GT(row.tokens.prompt, 0);
  EXPECT_EQ(row.cost, row.tokens.prompt * 1 + row.tokens.completion * 1000);
  // Its reservation went back: only the real cost stays spent.
  const int64_t day = gateway::period_start(gateway::BudgetPeriod::kDay, gateway_->now_us() / 1'000'000);
  Result<gateway::Micros> spent = db_->spent(ids_["leaver"], day);
  ASSERT_TRUE(spent.ok());
  EXPECT_EQ(*spent, row.cost);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GatewayLimitsTest, ::testing::Values("sqlite", "postgres"), backend_name);

}  // namespace herd::server::testing
