#include "gateway/gateway_home.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>

#include "../support/temp_dir.h"

namespace herd::gateway {
namespace {

// Sets (or clears) an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(GatewayHomeTest, FlagsThenEnvironmentThenHome) {
  {
    ScopedEnv db("HERD_GATEWAY_DB", nullptr), secret("HERD_GATEWAY_SECRET_FILE", nullptr);
    const GatewayLocation loc = resolve_gateway_location("/h/.herd", "", "");
    EXPECT_EQ(loc.db, "/h/.herd/gateway.db");
    EXPECT_EQ(loc.secret_file, "/h/.herd/gateway.secret");
    EXPECT_EQ(resolve_gateway_location("/h/", "", "").db, "/h/gateway.db");
  }
  {
    ScopedEnv db("HERD_GATEWAY_DB", "postgres://db/herd"), secret("HERD_GATEWAY_SECRET_FILE", "/etc/herd/secret");
    GatewayLocation loc = resolve_gateway_location("/h", "", "");
    EXPECT_EQ(loc.db, "postgres://db/herd");
    EXPECT_EQ(loc.secret_file, "/etc/herd/secret");
    loc = resolve_gateway_location("/h", "/tmp/g.db", "/tmp/g.secret");
    EXPECT_EQ(loc.db, "/tmp/g.db");
    EXPECT_EQ(loc.secret_file, "/tmp/g.secret");
  }
  {
    ScopedEnv db("HERD_GATEWAY_DB", "");  // empty counts as unset
    EXPECT_EQ(resolve_gateway_location("/h", "", "").db, "/h/gateway.db");
  }
}

TEST(GatewayHomeTest, OpensMakingAnOwnerOnlyHomeAndRefusesAnotherSecret) {
  testing::TempDir root;
  const std::string home = root / "a/home";  // neither a/ nor home/ exists yet
  const GatewayLocation loc{home, home + "/gateway.db", home + "/gateway.secret"};
  {
    Result<OpenedGateway> gw = open_gateway(loc);
    ASSERT_TRUE(gw.ok()) << gw.status().to_string();
    ASSERT_TRUE(gw->db->set_price("m", Price{1, 1, 1}).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(home.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(loc.secret_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  {
    Result<OpenedGateway> again = open_gateway(loc);
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    EXPECT_EQ(again->db->list_prices()->size(), 1u);
  }
  // The same database under another secret would reject every key: refused at open.
  GatewayLocation other = loc;
  other.secret_file = root / "other.secret";
  Result<OpenedGateway> refused = open_gateway(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("another secret"), std::string::npos) << refused.status().message();
}

TEST(GatewayHomeTest, APostgresPasswordStaysOutOfErrors) {
  testing::TempDir root;
  const GatewayLocation loc{root.path(), "postgres://herd:s3cret-pw@127.0.0.1:1/herd", root / "gateway.secret"};
  Result<OpenedGateway> gw = open_gateway(loc);
  ASSERT_FALSE(gw.ok());
  EXPECT_EQ(gw.status().message().find("s3cret-pw"), std::string::npos) << gw.status().message();
}

}  // namespace
}  // namespace herd::gateway
