// The event-loop server over real loopback sockets, driven byte by byte with a raw
// client. Timeouts are configured short so that deadlines fire; every wait on the
// client side is a generous guard against hangs, never a measurement.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/raw_http.h"

namespace herd::http {
namespace {

using namespace std::chrono_literals;
using herd::testing::RawClient;
using herd::testing::status_of;

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 4000 && !pred(); ++i) std::this_thread::sleep_for(5ms);
  return pred();
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerParams params = {}) {
    params.host = "127.0.0.1";
    params.port = 0;
    params.log_error = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      logged_ += std::string(line) + "\n";
    };
    server_ = std::make_unique<Server>(params);
    server_->route("GET", "/health", Lane::kCheap, [](const Request&, ResponseWriter& w) {
      Response r;
      r.body = "ok";
      w.send(r);
    });
    server_->route_prefix("GET", "/echo/", Lane::kCheap, [](const Request& req, ResponseWriter& w) {
      Response r;
      r.body = req.path + "|" + req.body;
      w.send(r);
    });
    server_->route("POST", "/echo", Lane::kHeavy, [](const Request& req, ResponseWriter& w) {
      Response r;
      r.body = req.body;
      w.send(r);
    });
    server_->route("POST", "/hold", Lane::kHeavy, [this](const Request&, ResponseWriter& w) {
      ++holding_;
      while (!release_.load() && !w.client_gone()) std::this_thread::sleep_for(2ms);
      saw_gone_.store(w.client_gone());
      --holding_;
      Response r;
      r.body = "released";
      w.send(r);
    });
    server_->route("DELETE", "/thing", Lane::kCheap, [](const Request&, ResponseWriter& w) {
      Response r;
      r.status = 204;
      r.body = "ignored";
      w.send(r);
    });
    server_->route("GET", "/big", Lane::kCheap, [](const Request&, ResponseWriter& w) {
      Response r;
      r.body.assign(16u << 20, 'x');
      w.send(r);
    });
    server_->route("GET", "/stream", Lane::kHeavy, [](const Request&, ResponseWriter& w) {
      w.start_stream(200, {{"Content-Type", "text/plain"}});
      w.write("ab");
      w.write("cde");
      w.end_stream();
    });
    server_->route("GET", "/throw", Lane::kHeavy, [](const Request&, ResponseWriter&) {
      throw std::runtime_error("secret internal detail");
    });
    Result<int> port = server_->bind();
    ASSERT_TRUE(port.ok()) << port.status().message();
    port_ = *port;
    serving_ = std::thread([this] { ASSERT_TRUE(server_->serve().ok()); });
  }

  void TearDown() override {
    release_.store(true);
    if (server_) server_->stop();
    if (serving_.joinable()) serving_.join();
  }

  std::string logged() {
    std::lock_guard<std::mutex> lock(mu_);
    return logged_;
  }

  std::unique_ptr<Server> server_;
  std::thread serving_;
  int port_ = 0;
  std::atomic<bool> release_{false};
  std::atomic<int> holding_{0};
  std::atomic<bool> saw_gone_{false};
  std::mutex mu_;
  std::string logged_;
};

const std::string kHold = "POST /hold HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/health")));
  const std::string first = c.read_response();
  EXPECT_EQ(status_of(first), 200);
  EXPECT_NE(first.find("\r\n\r\nok"), std::string::npos);
  ASSERT_TRUE(c.send(get("/health")));
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST_F(ServerTest, HeadIsAnsweredLikeGetWithoutABody) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("HEAD /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  ASSERT_TRUE(c.send("HEAD /stream HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/echo/next")));
  ASSERT_TRUE(c.read_until("/echo/next|"));
  const std::string all = c.received();
  EXPECT_EQ(status_of(all), 200) << all;
  EXPECT_NE(all.find("Content-Length: 2\r\n"), std::string::npos) << all;
  // No body after either head: the next thing on the connection is the next response.
  const size_t first_end = all.find("\r\n\r\n") + 4;
  EXPECT_EQ(all.compare(first_end, 9, "HTTP/1.1 "), 0) << all;
  const size_t second_end = all.find("\r\n\r\n", first_end) + 4;
  EXPECT_NE(all.substr(first_end, second_end - first_end).find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(all.compare(second_end, 9, "HTTP/1.1 "), 0) << all;
}

TEST_F(ServerTest, NoContentHasNoLengthAndNoBody) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("DELETE /thing HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/echo/next")));
  ASSERT_TRUE(c.read_until("/echo/next|"));
  const std::string all = c.received();
  const size_t head_end = all.find("\r\n\r\n") + 4;
  const std::string head = all.substr(0, head_end);
  EXPECT_EQ(status_of(head), 204);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(all.compare(head_end, 9, "HTTP/1.1 "), 0) << all;
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/echo/1") + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo" + get("/echo/3")));
  const std::string a = c.read_response(), b = c.read_response(), d = c.read_response();
  EXPECT_NE(a.find("\r\n\r\n/echo/1|"), std::string::npos) << a;
  EXPECT_NE(b.find("\r\n\r\ntwo"), std::string::npos) << b;
  EXPECT_NE(d.find("\r\n\r\n/echo/3|"), std::string::npos) << d;
}

TEST_F(ServerTest, ASecondServerOnTheSamePortFailsToBind) {
  start();
  ServerParams p;
  p.host = "127.0.0.1";
  p.port = port_;
  Server second(p);
  Result<int> bound = second.bind();
  EXPECT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().code(), StatusCode::kIoError);
}

TEST_F(ServerTest, AWholeHeaderDeadlineClosesATricklingClient) {
  ServerParams p;
  p.header_timeout = 300ms;
  start(p);
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\nX-Slow: "));
  // One byte at a time keeps every single read short; only a deadline for the whole
  // head ends it. The loop is bounded by the hang guard, not timed.
  bool closed = false;
  for (int i = 0; i < 2000 && !closed; ++i) {
    if (!c.send("a")) closed = true;
    pollfd pfd{c.fd(), POLLIN, 0};
    if (poll(&pfd, 1, 20) > 0) closed = c.read_to_close(5s);
  }
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, AKeepAliveConnectionIdleTooLongIsClosed) {
  ServerParams p;
  p.idle_timeout = 200ms;
  start(p);
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/health")));
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.read_to_close());
}

TEST_F(ServerTest, HealthAnswersWhileIdleClientsAndBusyWorkersHoldEverything) {
  ServerParams p;
  p.heavy_threads = 2;
  start(p);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(idle.back()->ok());
    if (i % 3 == 0) {
      ASSERT_TRUE(idle.back()->send("GET /health HTTP/1.1\r\n"));  // half a head
    }
  }
  RawClient h1(port_), h2(port_);
  ASSERT_TRUE(h1.send(kHold));
  ASSERT_TRUE(h2.send(kHold));
  ASSERT_TRUE(eventually([&] { return holding_.load() == 2; }));
  RawClient health(port_);
  ASSERT_TRUE(health.send(get("/health")));
  EXPECT_EQ(status_of(health.read_response()), 200);
  // A third heavy request finds every worker busy: refused at once, not queued.
  RawClient third(port_);
  ASSERT_TRUE(third.send(kHold));
  EXPECT_EQ(status_of(third.read_response()), 503);
}

TEST_F(ServerTest, AClientThatDoesNotReadCannotHoldTheCheapLane) {
  ServerParams p;
  p.cheap_threads = 1;
  p.cheap_write_timeout = 200ms;
  p.write_timeout = 600s;  // only the cheap lane's own limit can free the thread
  start(p);
  RawClient hog(port_);
  ASSERT_TRUE(hog.send(get("/big")));  // 16 MiB it never reads
  RawClient health(port_);
  ASSERT_TRUE(health.send(get("/health")));
  EXPECT_EQ(status_of(health.read_response()), 200);
}

TEST_F(ServerTest, OverLimitContentLengthIsRefusedBeforeAnyBody) {
  ServerParams p;
  p.limits.max_body_bytes = 1000;
  p.body_timeout = 600s;  // the answer cannot come from a body deadline
  start(p);
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000001\r\n\r\n"));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 413);
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
}

TEST_F(ServerTest, MalformedAndOversizedHeadsGetTheirStatus) {
  ServerParams p;
  p.limits.max_headers = 10;
  start(p);
  RawClient dup(port_);
  ASSERT_TRUE(dup.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nab"));
  EXPECT_EQ(status_of(dup.read_response()), 400);
  RawClient many(port_);
  std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20; ++i) head += "X-" + std::to_string(i) + ": 1\r\n";
  ASSERT_TRUE(many.send(head + "\r\n"));
  EXPECT_EQ(status_of(many.read_response()), 431);
}

TEST_F(ServerTest, ExpectContinueGetsTheGoAhead) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  ASSERT_TRUE(c.read_until("100 Continue\r\n\r\n"));
  ASSERT_TRUE(c.send("body"));
  ASSERT_TRUE(c.read_until("body"));
}

TEST_F(ServerTest, RequestIdIsEchoedWhenValidElseGenerated) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/health", "X-Request-Id: abc-123\r\n")));
  EXPECT_NE(c.read_response().find("x-request-id: abc-123\r\n"), std::string::npos);
  ASSERT_TRUE(c.send(get("/health", "X-Request-Id: " + std::string(300, 'a') + "\r\n")));
  const std::string r = c.read_response();
  const size_t at = r.find("x-request-id: ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(r.find("\r\n", at) - at - 14, 16u) << r;
}

TEST_F(ServerTest, StreamsAreChunked) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/stream")));
  ASSERT_TRUE(c.read_until("cde\r\n0\r\n\r\n"));
  EXPECT_NE(c.received().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(c.received().find("2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"), std::string::npos) << c.received();
}

TEST_F(ServerTest, AThrowingHandlerGives500WithoutItsText) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/throw")));
  const std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_EQ(r.find("secret"), std::string::npos);
  EXPECT_NE(logged().find("secret internal detail"), std::string::npos);
}

TEST_F(ServerTest, AThrowAfterTheHandlerCutsTheConnectionNotTheServer) {
  ServerParams p;
  p.on_request_done = [](const AccessRecord& r) {
    if (r.request != nullptr && r.request->path == "/echo/boom") throw std::runtime_error("log sink failed");
  };
  start(p);
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/echo/boom") + get("/echo/after")));
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.read_to_close());  // the pipelined request is not answered
  RawClient next(port_);
  ASSERT_TRUE(next.send(get("/health")));
  EXPECT_EQ(status_of(next.read_response()), 200);
  server_->drain();  // returns: the request that threw was given back
  serving_.join();
}

TEST_F(ServerTest, AHandlerSeesItsClientLeave) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(kHold));
  ASSERT_TRUE(eventually([&] { return holding_.load() == 1; }));
  c.reset();
  EXPECT_TRUE(eventually([&] { return saw_gone_.load(); }));
}

TEST_F(ServerTest, OverTheConnectionCapNewClientsGet503) {
  ServerParams p;
  p.max_connections = 4;
  start(p);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawClient>(port_));
  ASSERT_TRUE(eventually([&] { return server_->open_connections() == 4; }));
  RawClient over(port_);
  EXPECT_EQ(status_of(over.read_response()), 503);
}

TEST_F(ServerTest, DrainClosesIdleConnectionsAndFinishesInFlight) {
  start();
  RawClient idle(port_);
  ASSERT_TRUE(idle.send(get("/health")));
  EXPECT_EQ(status_of(idle.read_response()), 200);
  RawClient partial(port_);
  ASSERT_TRUE(partial.send("GET /health HTTP/1.1\r\nHo"));
  RawClient busy(port_);
  ASSERT_TRUE(busy.send(kHold));
  ASSERT_TRUE(eventually([&] { return holding_.load() == 1; }));

  std::thread drainer([&] { server_->drain(); });
  ASSERT_TRUE(eventually([&] { return server_->draining(); }));
  // A kept-alive connection still gets its answer while work is in flight, told to close.
  ASSERT_TRUE(idle.send(get("/health")));
  const std::string h = idle.read_response();
  EXPECT_EQ(status_of(h), 200);
  EXPECT_NE(h.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(idle.read_to_close());
  release_.store(true);
  const std::string r = busy.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  drainer.join();
  serving_.join();
  // The half-sent request did not hold the drain up, and was cut at its end.
  EXPECT_TRUE(partial.read_to_close());
}

TEST_F(ServerTest, DrainWithOnlyIdleConnectionsEndsServe) {
  start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  ASSERT_TRUE(eventually([&] { return server_->open_connections() == 20; }));
  server_->drain();  // returns: nothing is in flight
  serving_.join();
  for (auto& c : idle) EXPECT_TRUE(c->read_to_close());
}

// Before the loop runs nothing accepts: only the kernel's backlog takes the burst
// (with a backlog of 5, the connects past it would hang on SYN retransmits).
TEST(ServerBacklogTest, ABurstOfConnectsIsQueuedByTheKernel) {
  ServerParams p;
  p.host = "127.0.0.1";
  p.port = 0;
  Server server(p);
  Result<int> port = server.bind();
  ASSERT_TRUE(port.ok());
  std::vector<int> fds;
  for (int i = 0; i < 100; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const timeval guard{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &guard, sizeof guard);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(*port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fds.push_back(fd);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "connect " << i;
  }
  for (int fd : fds) close(fd);
}

}  // namespace
}  // namespace herd::http
