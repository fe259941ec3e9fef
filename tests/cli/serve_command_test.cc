// `herd serve` as a process: start-up failures are one-line errors, the port is not
// shared, and every signal either drains or is ignored, promptly even with idle
// connections open. Waits are hang guards, never measurements.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/raw_http.h"
#include "../support/serve_process.h"
#include "../support/shared_data.h"

namespace herd {
namespace {

using testing::ServeProcess;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string stories() { return (testing::shared_dir() / "models" / "stories260K.gguf").string(); }

TEST(ServeCommandTest, ABadModelFileIsAOneLineError) {
  const fs::path junk = fs::temp_directory_path() / ("herd_serve_junk_" + std::to_string(getpid()) + ".gguf");
  std::ofstream(junk) << "this is not a gguf file at all";
  ServeProcess p({"-m", junk.string(), "--port", "0"});
  const int code = p.wait_exit();
  fs::remove(junk);
  EXPECT_GT(code, 0);
  EXPECT_LT(code, 128) << "killed by a signal: " << p.err();
  EXPECT_EQ(p.err().rfind("herd: error: ", 0), 0u) << p.err();
  EXPECT_EQ(std::count(p.err().begin(), p.err().end(), '\n'), 1) << p.err();
}

TEST(ServeCommandTest, AModelThatFailsToLoadAfterListeningExitsCleanly) {
  const fs::path vocab = testing::shared_dir() / "models" / "vocab" / "ggml-vocab-llama-spm.gguf";
  ASSERT_TRUE(fs::exists(vocab)) << "needs " << vocab;
  ServeProcess p({"-m", vocab.string(), "--port", "0"});
  const int code = p.wait_exit();
  EXPECT_GT(code, 0);
  EXPECT_LT(code, 128) << "killed by a signal: " << p.err();
  EXPECT_NE(p.err().find("herd: error: "), std::string::npos) << p.err();
}

TEST(ServeCommandTest, MaxQueueZeroFailsBeforeListening) {
  ServeProcess p({"-m", stories(), "--port", "0", "--max-queue", "0"});
  EXPECT_GT(p.wait_exit(), 0);
  EXPECT_EQ(p.err().find("listening"), std::string::npos) << p.err();
}

TEST(ServeCommandTest, ASecondServerOnTheSamePortFails) {
  ServeProcess first({"-m", stories(), "--port", "0"});
  ASSERT_TRUE(first.wait_for("ready")) << first.err();
  ServeProcess second({"-m", stories(), "--port", std::to_string(first.port())});
  const int code = second.wait_exit();
  EXPECT_GT(code, 0);
  EXPECT_LT(code, 128);
  EXPECT_NE(second.err().find("herd: error: cannot listen"), std::string::npos) << second.err();
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0);
}

TEST(ServeCommandTest, SigtermWithIdleAndSlowClientsExitsAfterDraining) {
  ServeProcess p({"-m", stories(), "--port", "0"});
  ASSERT_TRUE(p.wait_for("ready")) << p.err();
  herd::testing::RawClient idle(p.port());
  ASSERT_TRUE(idle.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(herd::testing::status_of(idle.read_response()), 200);
  herd::testing::RawClient slow(p.port());
  ASSERT_TRUE(slow.send("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n{"));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(), 0) << p.err();
  EXPECT_NE(p.err().find("stopped"), std::string::npos);
}

TEST(ServeCommandTest, HangupDrainsAndUserSignalsAreIgnored) {
  ServeProcess p({"-m", stories(), "--port", "0"});
  ASSERT_TRUE(p.wait_for("ready")) << p.err();
  p.signal(SIGUSR1);
  ASSERT_TRUE(p.wait_for("ignoring SIGUSR1"));
  herd::testing::RawClient c(p.port());
  ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(herd::testing::status_of(c.read_response()), 200);
  p.signal(SIGHUP);
  EXPECT_EQ(p.wait_exit(), 0) << p.err();
  EXPECT_NE(p.err().find("draining"), std::string::npos);
}

TEST(ServeCommandTest, Ipv6HostIsPrintedInBrackets) {
  ServeProcess p({"-m", stories(), "--host", "::1", "--port", "0"});
  if (!p.wait_for("listening on", 30s) && p.err().find("cannot listen") != std::string::npos) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  EXPECT_NE(p.err().find("listening on http://[::1]:"), std::string::npos) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(), 0);
}

}  // namespace
}  // namespace herd
