#include "gateway/gateway_home.h"

#include <gtest/gtest.h>

#include <cstdlib>

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

}  // namespace
}  // namespace herd::gateway
