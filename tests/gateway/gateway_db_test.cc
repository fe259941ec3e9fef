// The gateway database contract on both backends: schema, keys, prices, durability.
// Budgets are in gateway_db_budget_test.cc, usage in gateway_db_usage_test.cc.
#include "gateway_db_fixture.h"

#include <thread>

#include "gateway/gateway_schema.h"

namespace herd::gateway {
namespace {

TEST_P(GatewayDbTest, MigratingTwiceKeepsTheVersionAndTheData) {
  EXPECT_EQ(db_->schema_version(), kGatewaySchemaVersion);
  const int64_t id = create("team-a");
  ASSERT_TRUE(db_->migrate(kSecretCheck).ok());
  EXPECT_EQ(db_->schema_version(), kGatewaySchemaVersion);
  std::unique_ptr<GatewayDb> again = open_migrated();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->schema_version(), kGatewaySchemaVersion);
  EXPECT_EQ(again->find_key(id)->name, "team-a");
}

// Replicas starting together migrate one at a time: every one succeeds, once.
TEST_P(GatewayDbTest, ConcurrentFirstMigrationsAllSucceed) {
  if (GetParam() == Backend::kSqlite) {
    where_ = tmp_ / "fresh.db";
  } else {
    where_ = testing::PostgresCluster::shared().create_database("fresh_concurrent");
    ASSERT_FALSE(where_.empty());
  }
  std::vector<Status> results(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<std::unique_ptr<GatewayDb>> db = open_gateway_db(where_);
      results[i] = db.ok() ? (*db)->migrate(kSecretCheck) : db.status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.to_string();
  std::unique_ptr<GatewayDb> db = open_migrated();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->schema_version(), kGatewaySchemaVersion);
  EXPECT_EQ(*db->change_counter(), 0);
}

TEST_P(GatewayDbTest, AnotherSecretIsRefused) {
  Result<std::unique_ptr<GatewayDb>> other = open_gateway_db(where_);
  ASSERT_TRUE(other.ok());
  Status st = (*other)->migrate("another-secret");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.to_string();
  EXPECT_EQ((*other)->migrate("").code(), StatusCode::kInvalidArgument);
}

TEST_P(GatewayDbTest, ANewerSchemaIsRefusedAndLeftAlone) {
  create("team-a");
  ASSERT_TRUE(run_sql("UPDATE gateway_meta SET schema_version = 99 WHERE id = 1").ok());
  Result<std::unique_ptr<GatewayDb>> newer = open_gateway_db(where_);
  ASSERT_TRUE(newer.ok());
  Status st = (*newer)->migrate(kSecretCheck);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.to_string();
  EXPECT_NE(st.message().find("99"), std::string::npos);
  ASSERT_TRUE(run_sql("UPDATE gateway_meta SET schema_version = " + std::to_string(kGatewaySchemaVersion) +
                      " WHERE id = 1").ok());  // untouched: the key is there
  EXPECT_TRUE(open_migrated()->find_key_by_name("team-a").ok());
}

// A database a version-1 herd made (no rate windows) is brought forward, its keys kept.
TEST_P(GatewayDbTest, AVersionOneDatabaseIsMigratedForward) {
  const int64_t id = create("team-a");
  ASSERT_TRUE(run_sql("DROP TABLE rate_seconds").ok());
  ASSERT_TRUE(run_sql("UPDATE gateway_meta SET schema_version = 1 WHERE id = 1").ok());
  std::unique_ptr<GatewayDb> db = open_migrated();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->schema_version(), 2);
  EXPECT_EQ(db->find_key(id)->name, "team-a");
  AdmitAsk ask;
  ask.key_id = id;
  ask.now_s = 1'000;
  ask.rpm = 1;
  ASSERT_EQ(db->admit(ask)->verdict, AdmitOutcome::Verdict::kAdmitted);
  EXPECT_EQ(db->admit(ask)->verdict, AdmitOutcome::Verdict::kRequestsLimited);
}

TEST_P(GatewayDbTest, KeysAreCreatedFoundUpdatedAndRevoked) {
  KeyRecord k = key_named("team-a", BudgetPeriod::kMonth, 5'000'000);
  k.admin = true;
  k.limits.rpm = 60;
  k.limits.tpm = 1000;
  k.limits.models = {"qwen2.5:0.5b", "llama3.2:1b"};
  Result<KeyRecord> made = db_->create_key(k);
  ASSERT_TRUE(made.ok()) << made.status().to_string();
  EXPECT_GT(made->id, 0);
  EXPECT_GT(made->created_at, 1'700'000'000);  // filled with now
  for (Result<KeyRecord> found : {db_->find_key(made->id), db_->find_key_by_name("team-a")}) {
    ASSERT_TRUE(found.ok()) << found.status().to_string();
    EXPECT_EQ(found->id, made->id);
    EXPECT_EQ(found->name, "team-a");
    EXPECT_EQ(found->display_prefix, k.display_prefix);
    EXPECT_EQ(found->hash, k.hash);
    EXPECT_TRUE(found->admin);
    EXPECT_EQ(found->limits.rpm, 60);
    EXPECT_EQ(found->limits.tpm, 1000);
    EXPECT_EQ(found->limits.budget, 5'000'000);
    EXPECT_EQ(found->limits.period, BudgetPeriod::kMonth);
    EXPECT_EQ(found->limits.models, k.limits.models);
    EXPECT_EQ(found->created_at, made->created_at);
    EXPECT_EQ(found->revoked_at, 0);
  }
  Result<std::optional<KeyRecord>> by_hash = db_->find_key_by_hash(k.hash);
  ASSERT_TRUE(by_hash.ok() && by_hash->has_value());
  EXPECT_EQ((*by_hash)->id, made->id);
  EXPECT_FALSE(db_->find_key_by_hash(std::string(64, 'f'))->has_value());

  KeyRecord changed = *made;
  changed.admin = false;
  changed.limits = KeyLimits{};
  changed.limits.rpm = 5;
  ASSERT_TRUE(db_->update_key(changed).ok());
  KeyRecord now = *db_->find_key(made->id);
  EXPECT_FALSE(now.admin);
  EXPECT_EQ(now.limits.rpm, 5);
  EXPECT_EQ(now.limits.budget, 0);
  EXPECT_EQ(now.limits.period, BudgetPeriod::kNone);
  EXPECT_TRUE(now.limits.models.empty());

  const int64_t other = create("team-b");
  ASSERT_EQ(db_->list_keys(false)->size(), 2u);
  ASSERT_TRUE(db_->revoke_key(made->id, 1'800'000'000).ok());
  ASSERT_TRUE(db_->revoke_key(made->id, 1'900'000'000).ok());  // revoking again keeps the first time
  EXPECT_EQ(db_->find_key(made->id)->revoked_at, 1'800'000'000);
  std::vector<KeyRecord> active = *db_->list_keys(false);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, other);
  std::vector<KeyRecord> all = *db_->list_keys(true);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, made->id);  // in id order
  EXPECT_EQ(db_->find_key_by_name("team-a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(db_->find_key_by_hash(k.hash)->has_value());  // still found: the caller sees it is revoked
}

TEST_P(GatewayDbTest, UnknownKeysAreNotFound) {
  KeyRecord ghost = key_named("ghost");
  ghost.id = 12345;
  EXPECT_EQ(db_->find_key(12345).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->find_key_by_name("ghost").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->update_key(ghost).code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->revoke_key(12345, 1'800'000'000).code(), StatusCode::kNotFound);
}

TEST_P(GatewayDbTest, ActiveNamesAreUniqueAndARevokedNameIsFreeAgain) {
  const int64_t first = create("team-a");
  KeyRecord twin = key_named("team-a");
  twin.hash = std::string(64, 'b');
  EXPECT_EQ(db_->create_key(twin).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(db_->revoke_key(first, 1'800'000'000).ok());
  Result<KeyRecord> second = db_->create_key(twin);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_NE(second->id, first);
  EXPECT_EQ(db_->find_key_by_name("team-a")->id, second->id);
}

TEST_P(GatewayDbTest, BadKeysAreRefusedWithoutQuotingTheHash) {
  create("team-a");
  KeyRecord same_hash = key_named("team-a");
  same_hash.name = "team-b";  // another name, the same (secret) hash
  Result<KeyRecord> dup = db_->create_key(same_hash);
  ASSERT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.status().message().find(same_hash.hash), std::string::npos) << dup.status().message();
  KeyRecord bad = key_named("team-c");
  bad.name = "team c";
  EXPECT_EQ(db_->create_key(bad).status().code(), StatusCode::kInvalidArgument);
  bad = key_named("team-c");
  bad.limits.models = {"a,b"};
  EXPECT_EQ(db_->create_key(bad).status().code(), StatusCode::kInvalidArgument);
  bad = key_named("team-c");
  bad.limits.rpm = -1;
  EXPECT_EQ(db_->create_key(bad).status().code(), StatusCode::kInvalidArgument);
  bad = key_named("team-c");
  bad.limits.budget = kMaxAmountMicros + 1;
  EXPECT_EQ(db_->create_key(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->list_keys(true)->size(), 1u);
}

TEST_P(GatewayDbTest, TheChangeCounterMovesOnEveryKeyAndPriceWrite) {
  int64_t last = *db_->change_counter();
  std::unique_ptr<GatewayDb> elsewhere = open_migrated();  // seen from another handle too
  auto moved = [&] {
    const int64_t now = *elsewhere->change_counter();
    const bool grew = now > last;
    last = now;
    return grew;
  };
  KeyRecord k = *db_->create_key(key_named("team-a"));
  EXPECT_TRUE(moved());
  k.limits.rpm = 9;
  ASSERT_TRUE(db_->update_key(k).ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(db_->set_price("m", Price{1, 2, 3}).ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(db_->delete_price("m").ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(db_->revoke_key(k.id, 1'800'000'000).ok());
  EXPECT_TRUE(moved());
  // Budget and ledger writes are not configuration.
  ASSERT_TRUE(db_->reserve(Reservation{0, k.id, 0, 1}, 10, "h").ok());
  EXPECT_FALSE(moved());
  EXPECT_FALSE(moved());
}

TEST_P(GatewayDbTest, PricesAreSetListedReplacedAndDeleted) {
  EXPECT_TRUE(db_->list_prices()->empty());
  ASSERT_TRUE(db_->set_price("qwen", Price{150'000, 75'000, 600'000}).ok());
  ASSERT_TRUE(db_->set_price("llama", Price{1, 0, 2}).ok());
  ASSERT_TRUE(db_->set_price("qwen", Price{200'000, 100'000, 800'000}).ok());
  std::vector<std::pair<std::string, Price>> prices = *db_->list_prices();
  ASSERT_EQ(prices.size(), 2u);
  EXPECT_EQ(prices[0].first, "llama");  // by model
  EXPECT_EQ(prices[1].first, "qwen");
  EXPECT_EQ(prices[1].second.input, 200'000);
  EXPECT_EQ(prices[1].second.cached_input, 100'000);
  EXPECT_EQ(prices[1].second.output, 800'000);
  ASSERT_TRUE(db_->delete_price("llama").ok());
  EXPECT_EQ(db_->delete_price("llama").code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->list_prices()->size(), 1u);
  EXPECT_EQ(db_->set_price("bad", Price{-1, 0, 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->set_price("", Price{}).code(), StatusCode::kInvalidArgument);
}

TEST_P(GatewayDbTest, EverythingSurvivesClosingAndReopening) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 1'000);
  ASSERT_TRUE(db_->set_price("qwen", Price{1, 2, 3}).ok());
  Result<std::optional<Reservation>> held = db_->reserve(Reservation{0, id, 86400, 300}, 1'000, "server-1");
  ASSERT_TRUE(held.ok() && held->has_value());
  LedgerRow row;
  row.time = 86400LL * 1'000'000 + 5;
  row.key_id = id;
  row.model = "qwen";
  row.route = "/v1/chat/completions";
  row.tokens = TokenCounts{10, 4, 7};
  row.cost = 42;
  ASSERT_TRUE(*db_->settle(Reservation{0, id, 86400, 0}, row));
  const int64_t counter = *db_->change_counter();
  db_.reset();

  std::unique_ptr<GatewayDb> back = open_migrated();
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->find_key(id)->limits.budget, 1'000);
  EXPECT_EQ(back->list_prices()->size(), 1u);
  EXPECT_EQ(*back->change_counter(), counter);
  EXPECT_EQ(*back->spent(id, 86400), 42);
  std::vector<LedgerRow> rows = *back->ledger_rows(UsageQuery{}, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].tokens.cached_prompt, 4);
  // The reservation is still held: 1000 - 42 spent - 300 held leaves 658.
  EXPECT_FALSE(back->reserve(Reservation{0, id, 86400, 659}, 1'000, "server-1")->has_value());
  EXPECT_TRUE(back->reserve(Reservation{0, id, 86400, 658}, 1'000, "server-1")->has_value());
}

TEST(GatewayDbOpen, ErrorsNeverQuoteTheConnectionText) {
  testing::TempDir tmp_;
  Result<std::unique_ptr<GatewayDb>> typo = open_gateway_db("postgress://herd:hunter2@db.example/herd");
  EXPECT_EQ(typo.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(typo.status().message().find("hunter2"), std::string::npos);
  const std::string dir = tmp_ / "no-such-dir";
  Result<std::unique_ptr<GatewayDb>> unreachable =
      open_gateway_db("postgresql://herd:hunter2@/herd?host=" + dir + "&connect_timeout=2");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().message().find("hunter2"), std::string::npos) << unreachable.status().message();
  EXPECT_EQ(unreachable.status().message().find("postgresql://"), std::string::npos);
  Result<std::unique_ptr<GatewayDb>> no_dir = open_gateway_db(dir + "/hunter2.db");
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.status().message().find("hunter2"), std::string::npos) << no_dir.status().message();
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayDbTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace herd::gateway
