#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace herd::http {
namespace {

using State = RequestParser::State;

struct Parsed {
  State state;
  int status = 0;
  Request request;
  std::string rest;
};

Parsed parse(std::string in, ParserLimits limits = {}) {
  RequestParser p(limits);
  Parsed out;
  out.state = p.feed(in);
  out.status = p.error_status();
  if (out.state == State::kComplete) out.request = p.take();
  out.rest = in;
  return out;
}

TEST(RequestParserTest, SimpleGet) {
  Parsed p = parse("GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\nX-Thing:  v  \r\n\r\n");
  ASSERT_EQ(p.state, State::kComplete);
  EXPECT_EQ(p.request.method, "GET");
  EXPECT_EQ(p.request.path, "/v1/models");
  EXPECT_EQ(p.request.query, "x=1");
  EXPECT_EQ(p.request.header("x-thing"), "v");
  EXPECT_TRUE(p.request.keep_alive);
  EXPECT_TRUE(p.rest.empty());
}

TEST(RequestParserTest, BodyByContentLengthLeavesThePipelinedRest) {
  Parsed p = parse("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n");
  ASSERT_EQ(p.state, State::kComplete);
  EXPECT_EQ(p.request.body, "hello");
  EXPECT_EQ(p.rest, "GET /b HTTP/1.1\r\n");
}

TEST(RequestParserTest, ByteByByteGivesTheSameRequest) {
  const std::string text = "POST /a%20b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n";
  RequestParser p({});
  std::string in;
  State s = State::kIdle;
  for (char c : text) {
    in.push_back(c);
    s = p.feed(in);
    ASSERT_NE(s, State::kError) << p.error_message();
  }
  ASSERT_EQ(s, State::kComplete);
  const Request r = p.take();
  EXPECT_EQ(r.path, "/a b");
  EXPECT_EQ(r.body, "abcde");
  EXPECT_TRUE(in.empty());
}

TEST(RequestParserTest, ContentLengthMustBeOneRunOfDigits) {
  for (const char* value : {"+32", "32, 32", "-1", "0x10", "3 2", "", "99999999999999999999"}) {
    Parsed p = parse(std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + value + "\r\n\r\n");
    EXPECT_EQ(p.state, State::kError) << value;
    EXPECT_EQ(p.status, 400) << value;
  }
  Parsed twice = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_EQ(twice.status, 400);
  Parsed both = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(both.status, 400);
}

TEST(RequestParserTest, OverLimitContentLengthIsRefusedFromTheHeader) {
  ParserLimits limits;
  limits.max_body_bytes = 100;
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", limits);
  EXPECT_EQ(p.state, State::kError);
  EXPECT_EQ(p.status, 413);
  Parsed chunked = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", limits);
  EXPECT_EQ(chunked.status, 413);
}

TEST(RequestParserTest, HeaderCountAndSizeAreBounded) {
  ParserLimits limits;
  limits.max_headers = 3;
  limits.max_header_bytes = 200;
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 3; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse(many + "\r\n", limits).status, 431);
  // No end of the headers yet, but already over the size: refused without waiting.
  Parsed big = parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'v'), limits);
  EXPECT_EQ(big.state, State::kError);
  EXPECT_EQ(big.status, 431);
}

TEST(RequestParserTest, MalformedHeadsAreRefused) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n").status, 400);  // no Host
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status, 505);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n").status, 501);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").status, 400);
}

TEST(RequestParserTest, ManySmallChunksInOneBufferLeaveThePipelinedRest) {
  std::string body_chunks;
  for (int i = 0; i < 20000; ++i) body_chunks += "1\r\n" + std::string(1, static_cast<char>('a' + i % 26)) + "\r\n";
  Parsed p = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body_chunks +
                   "0\r\n\r\nGET /next HTTP/1.1\r\n");
  ASSERT_EQ(p.state, State::kComplete);
  ASSERT_EQ(p.request.body.size(), 20000u);
  EXPECT_EQ(p.request.body.substr(0, 3), "abc");
  EXPECT_EQ(p.request.body.back(), static_cast<char>('a' + 19999 % 26));
  EXPECT_EQ(p.rest, "GET /next HTTP/1.1\r\n");
}

TEST(RequestParserTest, ChunkFramingNeedsCrlfAndCleanExtensions) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  // A bare LF (or CR) where CRLF belongs is read differently by some proxies: refused.
  for (const char* body : {"2;\nxx\r\n0\r\n\r\n", "2\nxx\r\n0\r\n\r\n", "2\r\nxx\n0\r\n\r\n",
                           "2;a\rb\r\nxx\r\n0\r\n\r\n", "2;a\x01\r\nxx\r\n0\r\n\r\n", "0\r\n\n",
                           "0\r\nT: 1\n\r\n"}) {
    Parsed p = parse(head + body);
    EXPECT_EQ(p.state, State::kError) << body;
    EXPECT_EQ(p.status, 400) << body;
  }
  Parsed ok = parse(head + "2;name=\"v a\"\r\nxx\r\n0\r\nT: 1\r\n\r\n");
  ASSERT_EQ(ok.state, State::kComplete);
  EXPECT_EQ(ok.request.body, "xx");
}

TEST(RequestParserTest, KeepAliveRules) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n").request.keep_alive);
  RequestParser p({});
  std::string in = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(p.feed(in), State::kBody);
  EXPECT_TRUE(p.expects_continue());
}

}  // namespace
}  // namespace herd::http
