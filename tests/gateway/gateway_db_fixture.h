// A fresh, migrated gateway database per test, on SQLite (a file in a temp directory) or
// PostgreSQL (a database of its own in the process's throwaway cluster): every test of
// the contract runs on both backends.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "../support/postgres_cluster.h"
#include "../support/temp_dir.h"
#include "gateway/gateway_db.h"
#include "gateway/postgres_gateway_db.h"
#include "gateway/sqlite_gateway_db.h"

namespace herd::gateway {

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

inline constexpr const char* kSecretCheck = "c0ffee";

class GatewayDbTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      where_ = tmp_ / "gateway.db";
    } else {
      testing::PostgresCluster& pg = testing::PostgresCluster::shared();
      ASSERT_TRUE(pg.ok()) << pg.error();
      where_ = pg.fresh_database_uri();
      ASSERT_FALSE(where_.empty()) << pg.last_command_error();
    }
    db_ = open_migrated();
    ASSERT_NE(db_, nullptr);
  }

  // Another handle on the same database (as another process would have).
  std::unique_ptr<GatewayDb> open_migrated(const std::string& secret_check = kSecretCheck) {
    Result<std::unique_ptr<GatewayDb>> db = open_gateway_db(where_);
    EXPECT_TRUE(db.ok()) << db.status().to_string();
    if (!db.ok()) return nullptr;
    Status st = (*db)->migrate(secret_check);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return st.ok() ? std::move(*db) : nullptr;
  }

  // Raw SQL on the same database, for what the contract cannot do (a newer schema).
  Status run_sql(const std::string& sql) {
    Result<std::unique_ptr<SqlDatabase>> raw =
        GetParam() == Backend::kSqlite ? open_sqlite_database(where_) : open_postgres_database(where_, 1);
    if (!raw.ok()) return raw.status();
    return (*raw)->transact(TxKind::kWrite, [&](SqlConnection& c) { return c.run(sql).status(); });
  }

  KeyRecord key_named(const std::string& name, BudgetPeriod period = BudgetPeriod::kNone, Micros budget = 0) {
    KeyRecord k;
    k.name = name;
    k.display_prefix = "herd_" + name.substr(0, 6);
    k.hash = std::string(64 - name.size(), '0') + name;  // distinct per name
    k.limits.period = period;
    k.limits.budget = budget;
    return k;
  }

  int64_t create(const std::string& name, BudgetPeriod period = BudgetPeriod::kNone, Micros budget = 0) {
    Result<KeyRecord> k = db_->create_key(key_named(name, period, budget));
    EXPECT_TRUE(k.ok()) << k.status().to_string();
    return k.ok() ? k->id : 0;
  }

  testing::TempDir tmp_;
  std::string where_;
  std::unique_ptr<GatewayDb> db_;
};

}  // namespace herd::gateway
