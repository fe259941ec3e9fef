// Sized streamed bodies (ResponseWriter::start_sized) and file bodies (send_file_body) over
// a real loopback server: the bytes asked for, Content-Length and no chunking, the
// connection kept for the next request, and closed when a body comes up short.
#include "http/file_body.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "../support/raw_http.h"
#include "../support/temp_dir.h"
#include "http/server.h"

namespace herd::http {
namespace {

using herd::testing::RawClient;
using herd::testing::status_of;

class FileBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 100000; ++i) contents_ += static_cast<char>('a' + i % 26);
    path_ = dir_ / "data";
    std::ofstream(path_, std::ios::binary) << contents_;
    ServerParams params;
    params.host = "127.0.0.1";
    params.port = 0;
    server_ = std::make_unique<Server>(params);
    // /file/<first>/<length>: that part of the file; /short: claims 10 bytes, sends 4.
    server_->route_prefix("GET", "/file/", Lane::kHeavy, [this](const Request& req, ResponseWriter& w) {
      const std::string rest = req.path.substr(6);
      const uint64_t first = std::stoull(rest.substr(0, rest.find('/')));
      const uint64_t length = std::stoull(rest.substr(rest.find('/') + 1));
      const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      send_file_body(req, w, 200, {{"Content-Type", "application/octet-stream"}}, fd, first, length);
      ::close(fd);
    });
    server_->route("GET", "/short", Lane::kHeavy, [this](const Request&, ResponseWriter& w) {
      w.start_sized(200, {}, 10);
      wrote_more_ = w.write("abcd") && w.write("0123456789");  // past the declared length: refused
      w.end_stream();
    });
    Result<int> port = server_->bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    serving_ = std::thread([this] { (void)server_->serve(); });
  }
  void TearDown() override {
    server_->stop();
    serving_.join();
  }

  static std::string get(const std::string& path, const std::string& method = "GET") {
    return method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }
  static std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

  herd::testing::TempDir dir_;
  std::string path_;
  std::string contents_;
  std::unique_ptr<Server> server_;
  std::thread serving_;
  int port_ = 0;
  std::atomic<bool> wrote_more_{true};
};

TEST_F(FileBodyTest, SendsThePartAskedForWithItsLengthAndKeepsTheConnection) {
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/file/0/100000") + get("/file/12345/54321") + get("/file/5/7", "HEAD") + get("/file/99999/1")));
  const std::string whole = c.read_response();
  EXPECT_EQ(status_of(whole), 200);
  EXPECT_NE(whole.find("Content-Length: 100000\r\n"), std::string::npos);
  EXPECT_EQ(whole.find("chunked"), std::string::npos);
  EXPECT_TRUE(body_of(whole) == contents_);
  EXPECT_TRUE(body_of(c.read_response()) == contents_.substr(12345, 54321));
  // HEAD: the length, no body (read_response would wait for 7 bytes; read the head only).
  ASSERT_TRUE(c.read_until("Content-Length: 7\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\nHTTP/1.1 200"));
  ASSERT_TRUE(c.read_until("\r\n\r\n" + contents_.substr(99999)));
  EXPECT_FALSE(c.closed());
}

TEST_F(FileBodyTest, AFileShorterThanClaimedClosesTheConnection) {
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/file/99990/100")));
  ASSERT_TRUE(c.read_until("Content-Length: 100\r\n"));
  EXPECT_TRUE(c.read_to_close());
  EXPECT_TRUE(c.received().size() < c.received().find("\r\n\r\n") + 4 + 100) << "only the 10 bytes there are";
}

TEST_F(FileBodyTest, ASizedBodyRefusesMoreAndClosesWhenShort) {
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/short")));
  ASSERT_TRUE(c.read_until("Content-Length: 10\r\n"));
  EXPECT_TRUE(c.read_to_close());
  EXPECT_EQ(body_of(c.received()), "abcd");
  EXPECT_FALSE(wrote_more_.load());
}

}  // namespace
}  // namespace herd::http
