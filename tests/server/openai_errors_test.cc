#include "server/openai_errors.h"

#include <gtest/gtest.h>

namespace herd::server {
namespace {

TEST(OpenAiErrors, StatusToHttp) {
  EXPECT_EQ(api_error(invalid_argument("x")).http_status, 400);
  EXPECT_EQ(api_error(out_of_range("x")).http_status, 400);
  EXPECT_EQ(api_error(not_found("x")).http_status, 404);
  EXPECT_EQ(api_error(resource_exhausted("x")).http_status, 429);
  EXPECT_EQ(api_error(unavailable("x")).http_status, 503);
  EXPECT_EQ(api_error(internal_error("x")).http_status, 500);
  EXPECT_EQ(api_error(io_error("x")).http_status, 500);
  EXPECT_EQ(api_error(resource_exhausted("x"), "", 3).retry_after_s, 3);
  EXPECT_GT(api_error(unavailable("x")).retry_after_s, 0);
  EXPECT_EQ(api_error(invalid_argument("x")).retry_after_s, 0);
  EXPECT_EQ(api_error(not_found("x")).code, "model_not_found");
}

TEST(OpenAiErrors, JsonShape) {
  const auto j = error_json(api_error(invalid_argument("'n' must be an integer"), "n"));
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"]["message"], "'n' must be an integer");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "n");
  EXPECT_TRUE(j["error"]["code"].is_null());
  const auto k = error_json(api_error(internal_error("bug")));
  EXPECT_TRUE(k["error"]["param"].is_null());
  EXPECT_EQ(k["error"]["type"], "server_error");
  EXPECT_EQ(payload_too_large_error(10).http_status, 413);
  EXPECT_EQ(route_not_found_error("GET", "/x").http_status, 404);
  // Invalid UTF-8 from the client still gives a body.
  EXPECT_FALSE(error_body(api_error(invalid_argument("bad \xff"))).empty());
}

}  // namespace
}  // namespace herd::server
