// herd serve --auth: every route against every kind of caller, and no key (nor its hash)
// in any answer, header, log line, metric or usage export.
#include <gtest/gtest.h>

#include <vector>

#include "gateway/api_key.h"
#include "gateway_fixture.h"

namespace herd::server::testing {
namespace {

using Json = nlohmann::json;

struct Route {
  std::string method;
  std::string path;
  std::string body;
  bool model_route;  // uses the model (a key restricted to other models gets 403)
  bool admin_route;  // needs an admin key
};

const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {"POST", "/v1/chat/completions", kChat, true, false},
      {"POST", "/v1/completions", R"({"model": "test-model", "prompt": "hi", "max_tokens": 2})", true, false},
      {"GET", "/v1/models", "", false, false},
      {"GET", "/v1/models/test-model", "", true, false},
      {"POST", "/tokenize", R"({"model": "test-model", "content": "hi"})", true, false},
      {"POST", "/detokenize", R"({"model": "test-model", "tokens": [1, 2]})", true, false},
      {"GET", "/metrics", "", false, true},
      {"GET", "/admin/keys", "", false, true},
      {"GET", "/admin/usage", "", false, true},
      {"GET", "/admin/prices", "", false, true},
      {"POST", "/admin/keys", R"({"name": "made-by-admin"})", false, true},
  };
  return r;
}

class GatewayAuthTest : public GatewayServerTest {
 protected:
  void SetUp() override {
    open_gateway();
    admin_ = make_key("ops", [] { gateway::KeySpec s; s.admin = true; return s; }());
    valid_ = make_key("team-a");
    other_model_ = make_key("team-b", [] {
      gateway::KeySpec s;
      s.models = std::vector<std::string>{"other-model"};
      return s;
    }());
    revoked_ = make_key("gone");
    ASSERT_TRUE(db_->revoke_key(ids_["gone"], 1).ok());
    Result<std::string> unknown = gateway::new_api_key();
    ASSERT_TRUE(unknown.ok());
    unknown_ = *unknown;
    start_gateway(std::make_unique<FakeService>());
  }

  httplib::Result call(const Route& r, const httplib::Headers& headers) {
    httplib::Client c = client();
    if (r.method == "GET") return c.Get(r.path.c_str(), headers);
    return c.Post(r.path.c_str(), headers, r.body, "application/json");
  }

  std::vector<std::string> secrets() const {
    std::vector<std::string> all = {admin_, valid_, other_model_, revoked_, unknown_};
    for (const std::string& k : std::vector<std::string>(all)) all.push_back(hasher_.hash(k));
    return all;
  }

  void expect_no_secret(const std::string& text, const std::string& where) {
    for (const std::string& s : secrets()) {
      EXPECT_EQ(text.find(s), std::string::npos) << where << " holds a key or its hash: " << text;
      EXPECT_EQ(text.find(s.substr(0, 24)), std::string::npos) << where << " holds part of a key or hash";
    }
  }

  std::string admin_, valid_, other_model_, revoked_, unknown_;
};

TEST_P(GatewayAuthTest, EveryRouteAgainstEveryCaller) {
  struct Caller {
    std::string what;
    httplib::Headers headers;
  };
  const std::vector<Caller> nobody = {
      {"no key", {}},
      {"malformed bearer", {{"Authorization", "Bearer not-a-key"}}},
      {"not bearer", {{"Authorization", "Basic " + valid_}}},
      {"malformed x-api-key", {{"x-api-key", "herd_short"}}},
      {"unknown key", bearer(unknown_)},
      {"revoked key", bearer(revoked_)},
  };
  for (const Route& r : routes()) {
    for (const Caller& c : nobody) {
      httplib::Result res = call(r, c.headers);
      ASSERT_TRUE(res) << r.path << " " << c.what;
      EXPECT_EQ(res->status, 401) << r.path << " " << c.what;
      EXPECT_EQ(error_of(res)["code"], "invalid_api_key") << r.path << " " << c.what;
      EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
    }
    // A key for other models.
    httplib::Result res = call(r, bearer(other_model_));
    ASSERT_TRUE(res);
    if (r.admin_route) {
      EXPECT_EQ(res->status, 403) << r.path;
      EXPECT_EQ(error_of(res)["code"], "admin_required") << r.path;
    } else if (r.model_route) {
      EXPECT_EQ(res->status, 403) << r.path;
      EXPECT_EQ(error_of(res)["code"], "model_not_allowed") << r.path;
    } else {
      EXPECT_EQ(res->status, 200) << r.path;
      EXPECT_TRUE(Json::parse(res->body)["data"].empty()) << "lists only the key's models";
    }
    // A valid key, as a bearer and as x-api-key.
    for (const httplib::Headers& h : {bearer(valid_), httplib::Headers{{"x-api-key", valid_}}}) {
      res = call(r, h);
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, r.admin_route ? 403 : 200) << r.path << " " << res->body;
    }
    // The admin key may do everything.
    res = call(r, bearer(admin_));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, r.path == "/admin/keys" && r.method == "POST" ? 201 : 200) << r.path << " " << res->body;
  }
  // /v1/models with a valid key lists the model.
  httplib::Result models = client().Get("/v1/models", bearer(valid_));
  ASSERT_TRUE(models);
  EXPECT_EQ(Json::parse(models->body)["data"][0]["id"], "test-model");
  // Unknown routes under /v1 and /api: 401 first, 404 for a caller with a key.
  for (const char* path : {"/v1/nothing", "/api/tags", "/admin/nothing"}) {
    httplib::Result anon = client().Get(path);
    ASSERT_TRUE(anon);
    EXPECT_EQ(anon->status, 401) << path;
    httplib::Result keyed = client().Get(path, bearer(valid_));
    ASSERT_TRUE(keyed);
    EXPECT_EQ(keyed->status, 404) << path;
  }
  // /health stays open.
  httplib::Result health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_P(GatewayAuthTest, ARevokedOrNewKeyTakesEffectAtOnceThroughTheAdminApi) {
  httplib::Result made = client().Post("/admin/keys", bearer(admin_), R"({"name": "fresh", "models": ["test-model"]})",
                                       "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  const std::string fresh = Json::parse(made->body)["key"];
  EXPECT_TRUE(gateway::looks_like_api_key(fresh));
  EXPECT_EQ(post_with(fresh)->status, 200);
  httplib::Result revoked = client().Delete("/admin/keys/fresh", bearer(admin_));
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 200) << revoked->body;
  EXPECT_FALSE(Json::parse(revoked->body)["revoked"].is_null());
  EXPECT_EQ(post_with(fresh)->status, 401);
  // The listing never shows a key or its hash.
  httplib::Result list = client().Get("/admin/keys?all=true", bearer(admin_));
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body.find(fresh), std::string::npos);
  EXPECT_EQ(list->body.find(hasher_.hash(fresh)), std::string::npos);
}

TEST_P(GatewayAuthTest, AKeyNeverAppearsInAnswersLogsMetricsOrExports) {
  // Keys pushed into every place a request can carry text: the credential headers, the
  // model name, the path, the query, the request id, the idempotency key, the body.
  for (const std::string& k : {valid_, unknown_, revoked_, other_model_}) {
    const httplib::Headers headers = {{"Authorization", "Bearer " + k},
                                      {"x-request-id", "req-" + k.substr(5, 20)},
                                      {"Idempotency-Key", k}};
    std::vector<httplib::Result> answers;
    httplib::Client c = client();
    answers.push_back(c.Post("/v1/chat/completions", headers,
                             R"({"model": ")" + k + R"(", "messages": [{"role": "user", "content": ")" + k + "\"}]}",
                             "application/json"));
    answers.push_back(c.Post("/v1/chat/completions", headers, "{\"" + k + "\": ", "application/json"));
    answers.push_back(c.Get(("/v1/models/" + k).c_str(), headers));
    answers.push_back(c.Get(("/v1/" + k + "?key=" + k).c_str(), headers));
    answers.push_back(c.Get(("/admin/keys/" + k).c_str(), bearer(admin_)));
    answers.push_back(c.Get(("/admin/usage?key=" + k).c_str(), bearer(admin_)));
    answers.push_back(c.Post("/tokenize", headers, R"({"model": ")" + k + "\"}", "application/json"));
    answers.push_back(c.Post("/v1/completions", {{"x-api-key", k + "x"}}, "{}", "application/json"));
    answers.push_back(c.Post("/v1/completions", {{"Authorization", "Bearer " + k + " " + k}}, "{}", "application/json"));
    for (const httplib::Result& a : answers) {
      ASSERT_TRUE(a);
      expect_no_secret(a->body, "an answer body");
      for (const auto& [name, value] : a->headers) expect_no_secret(value, "the header " + name);
    }
  }
  // A successful request so the ledger has rows to export.
  ASSERT_EQ(post_with(valid_)->status, 200);
  for (const char* export_path :
       {"/metrics", "/admin/usage", "/admin/usage?by=key", "/admin/usage?by=key&format=csv", "/admin/keys?all=true"}) {
    httplib::Result r = client().Get(export_path, bearer(admin_));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << export_path;
    expect_no_secret(r->body, export_path);
  }
  Result<std::vector<gateway::LedgerRow>> rows = db_->ledger_rows({}, 1000);
  ASSERT_TRUE(rows.ok());
  for (const gateway::LedgerRow& row : *rows) {
    expect_no_secret(row.request_id + row.model + row.route + row.adapter, "a ledger row");
  }
  expect_no_secret(logged_after("key=team-a"), "the server log");
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GatewayAuthTest, ::testing::Values("sqlite", "postgres"), backend_name);

}  // namespace herd::server::testing
