// http_fetch against the fixture server on loopback: redirects, credentials, limits, stalls,
// methods with bodies.
#include "store/http_fetch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "fixture_registry.h"

namespace herd::store {
namespace {

using testing::FixtureReply;
using testing::FixtureRequest;

class HttpFetchTest : public ::testing::Test {
 protected:
  testing::FixtureRegistry fx_;

  Result<HttpResponse> get(HttpRequest req, std::string* body) {
    return http_fetch(req, [&](const HttpResponse&, std::string_view bytes) {
      body->append(bytes);
      return Status();
    });
  }
};

TEST_F(HttpFetchTest, GetsABodyAndItsHeaders) {
  HttpRequest req;
  req.url = fx_.url() + "/v2/library/stories260K/manifests/latest";
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body, fx_.manifest());
  EXPECT_EQ(r->header("Content-Type"), "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(r->body_bytes, fx_.manifest().size());
}

TEST_F(HttpFetchTest, SendsARangeAndGetsA206) {
  HttpRequest req;
  req.url = fx_.url() + fx_.blob_path(fx_.stories().hex);
  req.range_first = 1000;
  req.range_last = 1999;
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(body, fx_.stories().bytes.substr(1000, 1000));
  EXPECT_EQ(r->header("content-range"), "bytes 1000-1999/" + std::to_string(fx_.stories().bytes.size()));
}

TEST_F(HttpFetchTest, FollowsARelativeRedirectAndKeepsTheFirstHopsHeaders) {
  HttpRequest req;
  req.url = fx_.url() + "/test/stories/resolve/main/stories-Q8_0.gguf";
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body, fx_.stories().bytes) << "the redirect's own body must not be passed on";
  EXPECT_EQ(r->final_url, fx_.url() + "/cdn/" + fx_.stories().hex);
  EXPECT_EQ(r->header_any_hop("X-Linked-Etag"), "\"" + fx_.stories().hex + "\"");
  EXPECT_EQ(r->header("x-linked-etag"), "") << "the final hop has none";
}

TEST_F(HttpFetchTest, WithoutFollowingARedirectIsHandedBack) {
  HttpRequest req;
  req.url = fx_.url() + "/test/stories/resolve/main/stories-Q8_0.gguf";
  req.follow_redirects = false;
  fx_.server().clear_log();
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_GE(r->status, 300);
  EXPECT_LT(r->status, 400);
  EXPECT_NE(r->header("location"), "");
  EXPECT_EQ(body, "");
  EXPECT_EQ(fx_.server().log().size(), 1u) << "the redirect's target was fetched";
}

TEST_F(HttpFetchTest, SendsAMethodWithABodyFromAFileSlice) {
  char path[] = "/tmp/herd_http_body_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  HttpRequest req;
  req.method = "PATCH";
  req.url = fx_.url() + "/v2/library/stories260K/blobs/uploads/x";
  req.body_fd = fd;
  req.body_offset = 3;
  req.body_length = 5;
  fx_.server().clear_log();
  Result<HttpResponse> r = http_fetch(req);
  ::close(fd);
  ::unlink(path);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(fx_.server().log().size(), 1u);
  const FixtureRequest got = fx_.server().log()[0].request;
  EXPECT_EQ(got.method, "PATCH");
  EXPECT_EQ(got.header("content-length"), "5");
  EXPECT_EQ(got.header("expect"), "") << "a 100-continue round trip per piece";
  // The bytes themselves: the push tests (tests/cli/registry_push_test.cc) send blobs this way
  // to herd's registry, which stores them only when their sha256 matches.
}

TEST_F(HttpFetchTest, RefusesARedirectLoop) {
  fx_.set_fault([](const FixtureRequest& req, FixtureReply& r) {
    if (req.target == "/a" || req.target == "/b") {
      r = FixtureReply{};
      r.status = 302;
      r.headers.emplace_back("Location", req.target == "/a" ? "/b" : "/a");
    }
  });
  HttpRequest req;
  req.url = fx_.url() + "/a";
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("loop"), std::string::npos) << r.status().to_string();
  EXPECT_LE(fx_.server().log().size(), 3u);
}

TEST_F(HttpFetchTest, RefusesMoreThanTenRedirects) {
  fx_.set_fault([](const FixtureRequest& req, FixtureReply& r) {
    if (req.target.rfind("/hop/", 0) == 0) {
      r = FixtureReply{};
      r.status = 307;
      r.headers.emplace_back("Location", "/hop/" + std::to_string(std::stoi(req.target.substr(5)) + 1));
    }
  });
  HttpRequest req;
  req.url = fx_.url() + "/hop/0";
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("redirects"), std::string::npos) << r.status().to_string();
  EXPECT_EQ(fx_.server().log().size(), size_t(kMaxRedirects) + 1);
}

TEST_F(HttpFetchTest, ACrossHostRedirectDropsTheToken) {
  const std::string other = fx_.url("localhost");
  fx_.set_fault([&](const FixtureRequest& req, FixtureReply& r) {
    if (req.target == "/start") {
      r = FixtureReply{};
      r.status = 302;
      r.headers.emplace_back("Location", "/same");
    } else if (req.target == "/same") {
      r = FixtureReply{};
      r.status = 302;
      r.headers.emplace_back("Location", other + "/elsewhere");
    } else if (req.target == "/elsewhere") {
      r = FixtureReply{};
      r.status = 302;
      r.headers.emplace_back("Location", fx_.url() + "/back");  // back on the first host
    } else if (req.target == "/back") {
      r = FixtureReply{};
      r.body = "done";
    }
  });
  HttpRequest req;
  req.url = fx_.url() + "/start";
  req.bearer_token = "secret-token";
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(body, "done");
  const auto log = fx_.server().log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].request.header("authorization"), "Bearer secret-token");
  EXPECT_EQ(log[1].request.header("authorization"), "Bearer secret-token") << "same origin keeps it";
  EXPECT_EQ(log[2].request.header("authorization"), "") << "another host must not see it";
  EXPECT_EQ(log[2].request.header("host").rfind("localhost", 0), 0u);
  EXPECT_EQ(log[3].request.header("authorization"), "") << "once dropped, it stays dropped";
}

TEST_F(HttpFetchTest, ABodyLongerThanAllowedIsCutOffAndRefused) {
  HttpRequest req;
  req.url = fx_.url() + fx_.blob_path(fx_.stories().hex);
  req.max_body = 1000;
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile) << r.status().to_string();
  EXPECT_LE(body.size(), 1000u);
}

TEST_F(HttpFetchTest, AStalledBodyIsAbandoned) {
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) {
    r.stall_after = 100;
    r.stall_ms = 20000;
  });
  HttpRequest req;
  req.url = fx_.url() + fx_.blob_path(fx_.stories().hex);
  req.stall_timeout_s = 1;
  std::string body;
  Result<HttpResponse> r = get(req, &body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().to_string();
  EXPECT_NE(r.status().message().find("stalled"), std::string::npos) << r.status().to_string();
  EXPECT_EQ(body.size(), 100u);
}

TEST_F(HttpFetchTest, TextFetchNamesTheStatus) {
  HttpRequest req;
  req.url = fx_.url() + "/v2/library/nothing/manifests/latest";
  Result<std::string> r = http_get_text(req, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("404"), std::string::npos);
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) { r.status = 500; });
  EXPECT_EQ(http_get_text(req, 1 << 20).status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpFetchTest, RefusesNonHttpRedirectsAndUrls) {
  fx_.set_fault([](const FixtureRequest&, FixtureReply& r) {
    r = FixtureReply{};
    r.status = 302;
    r.headers.emplace_back("Location", "file:///etc/passwd");
  });
  HttpRequest req;
  req.url = fx_.url() + "/x";
  std::string body;
  EXPECT_FALSE(get(req, &body).ok());
  EXPECT_TRUE(body.empty());
  req.url = "file:///etc/passwd";
  EXPECT_FALSE(get(req, &body).ok());
  EXPECT_TRUE(body.empty());
}

TEST_F(HttpFetchTest, OriginsMakeTheDefaultPortExplicit) {
  EXPECT_EQ(*url_origin("https://Example.COM/a"), "https://example.com:443");
  EXPECT_EQ(*url_origin("http://127.0.0.1:8080/x?y"), "http://127.0.0.1:8080");
  EXPECT_NE(*url_origin("http://localhost:1/"), *url_origin("http://127.0.0.1:1/"));
  EXPECT_FALSE(url_origin("not a url").ok());
  EXPECT_FALSE(url_origin("ftp://example.com/x").ok());
  Result<std::string> with_secret = url_origin("https://me:hunter2@example.com/x.gguf");
  ASSERT_FALSE(with_secret.ok());
  EXPECT_EQ(with_secret.status().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace herd::store
