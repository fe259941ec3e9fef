// herd serve's gateway switches as a user meets them: --auth with no key refuses to start,
// gateway options without --auth are an error, and a non-loopback address without --auth
// is served with a loud warning.
#include <gtest/gtest.h>

#include <csignal>

#include "../support/serve_process.h"
#include "../support/shared_data.h"
#include "../support/temp_dir.h"

namespace herd {
namespace {

using namespace std::chrono_literals;
using testing::ServeProcess;

std::string stories() { return (testing::shared_dir() / "models" / "stories260K.gguf").string(); }

TEST(ServeAuthTest, AuthWithoutAnyKeyRefusesToStart) {
  testing::TempDir home;
  ServeProcess p({"-m", stories(), "--port", "0", "--auth"}, {{"HERD_HOME", home.path()}});
  const int code = p.wait_exit();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "still running";
  EXPECT_NE(p.err().find("herd keys create"), std::string::npos) << p.err();
  EXPECT_EQ(p.err().find("listening on"), std::string::npos) << "it must not serve: " << p.err();
}

TEST(ServeAuthTest, GatewayOptionsNeedAuth) {
  testing::TempDir home;
  ServeProcess p({"-m", stories(), "--port", "0", "--usage-retention", "90d"}, {{"HERD_HOME", home.path()}});
  EXPECT_NE(p.wait_exit(), 0);
  EXPECT_NE(p.err().find("need --auth"), std::string::npos) << p.err();
}

TEST(ServeAuthTest, ABadRetentionIsRefused) {
  testing::TempDir home;
  ServeProcess p({"-m", stories(), "--port", "0", "--auth", "--usage-retention", "ninety"},
                 {{"HERD_HOME", home.path()}});
  EXPECT_NE(p.wait_exit(), 0);
  EXPECT_EQ(p.err().find("listening on"), std::string::npos) << p.err();
}

TEST(ServeAuthTest, AnOpenAddressWithoutAuthIsServedWithAWarning) {
  testing::TempDir home;
  ServeProcess p({"-m", stories(), "--host", "0.0.0.0", "--port", "0", "-t", "1"}, {{"HERD_HOME", home.path()}});
  ASSERT_TRUE(p.wait_for("ready", 60s)) << p.err();
  EXPECT_NE(p.err().find("WARNING: listening on 0.0.0.0 without --auth"), std::string::npos) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(), 0);
}

TEST(ServeAuthTest, LoopbackWithoutAuthHasNoWarning) {
  testing::TempDir home;
  ServeProcess p({"-m", stories(), "--port", "0", "-t", "1"}, {{"HERD_HOME", home.path()}});
  ASSERT_TRUE(p.wait_for("ready", 60s)) << p.err();
  EXPECT_EQ(p.err().find("WARNING"), std::string::npos) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait_exit(), 0);
}

}  // namespace
}  // namespace herd
