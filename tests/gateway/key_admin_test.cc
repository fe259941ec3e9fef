// Key management against a real SQLite gateway database.
#include "gateway/key_admin.h"

#include <gtest/gtest.h>

#include "../support/temp_dir.h"
#include "gateway/api_key.h"

namespace herd::gateway {
namespace {

class KeyAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<GatewayDb>> db = open_gateway_db(dir_ / "gateway.db");
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->migrate(hasher_.check_value()).ok());
  }
  CreatedKey make(const std::string& name) {
    KeySpec spec;
    spec.name = name;
    Result<CreatedKey> k = create_key(*db_, hasher_, spec);
    EXPECT_TRUE(k.ok()) << k.status().to_string();
    return k.ok() ? *k : CreatedKey{};
  }

  testing::TempDir dir_;
  KeyHasher hasher_ = KeyHasher::from_secret({1, 2, 3});
  std::unique_ptr<GatewayDb> db_;
};

TEST_F(KeyAdminTest, CreateStoresOnlyTheHashAndPrefix) {
  KeySpec spec;
  spec.name = "team-a";
  spec.rpm = 60;
  spec.budget = 25'500'000;
  spec.period = BudgetPeriod::kMonth;
  spec.models = std::vector<std::string>{"m1", "me/tiny:q8"};
  Result<CreatedKey> k = create_key(*db_, hasher_, spec);
  ASSERT_TRUE(k.ok()) << k.status().to_string();
  EXPECT_TRUE(looks_like_api_key(k->key));
  EXPECT_EQ(k->record.display_prefix, k->key.substr(0, kDisplayPrefixLength));
  EXPECT_EQ(k->record.hash, hasher_.hash(k->key));
  Result<std::optional<KeyRecord>> found = db_->find_key_by_hash(hasher_.hash(k->key));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->name, "team-a");
  EXPECT_EQ((*found)->limits.budget, 25'500'000);
  EXPECT_EQ((*found)->limits.period, BudgetPeriod::kMonth);
  EXPECT_EQ((*found)->limits.models, spec.models);
  const std::string shown = key_json(**found).dump();
  EXPECT_EQ(shown.find(k->record.hash), std::string::npos);
  EXPECT_EQ(shown.find(k->key.substr(kDisplayPrefixLength)), std::string::npos);
  EXPECT_NE(shown.find("\"budget\":\"25.5\""), std::string::npos) << shown;
}

TEST_F(KeyAdminTest, RefusesInconsistentSpecs) {
  auto refused = [&](KeySpec spec) {
    Result<CreatedKey> k = create_key(*db_, hasher_, spec);
    EXPECT_FALSE(k.ok());
    if (!k.ok()) {
      EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument) << k.status().message();
    }
  };
  KeySpec s;
  refused(s);  // no name
  s.name = "bad name";
  refused(s);
  s.name = "ok";
  s.rpm = -1;
  refused(s);
  s.rpm.reset();
  s.budget = 10;
  refused(s);  // budget, no period
  s.budget.reset();
  s.period = BudgetPeriod::kDay;
  refused(s);  // period, no budget
  s.period.reset();
  s.models = std::vector<std::string>{""};
  refused(s);
  s.models = std::vector<std::string>{"a b"};
  refused(s);
  Result<std::vector<KeyRecord>> keys = db_->list_keys(true);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST_F(KeyAdminTest, UpdateKeepsWhatIsNotSaid) {
  KeySpec spec;
  spec.name = "a";
  spec.tpm = 500;
  spec.budget = 1'000'000;
  spec.period = BudgetPeriod::kDay;
  Result<CreatedKey> k = create_key(*db_, hasher_, spec);
  ASSERT_TRUE(k.ok());
  KeySpec change;
  change.rpm = 30;
  Result<KeyRecord> next = update_key(*db_, k->record, change);
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  Result<KeyRecord> stored = db_->find_key(k->record.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->limits.rpm, 30);
  EXPECT_EQ(stored->limits.tpm, 500);
  EXPECT_EQ(stored->limits.budget, 1'000'000);
  // A new budget keeps the period; removing the budget removes both.
  change = {};
  change.budget = 2'000'000;
  ASSERT_TRUE(update_key(*db_, *stored, change).ok());
  EXPECT_EQ(db_->find_key(k->record.id)->limits.period, BudgetPeriod::kDay);
  change = {};
  change.period = BudgetPeriod::kNone;
  ASSERT_TRUE(update_key(*db_, *db_->find_key(k->record.id), change).ok());
  EXPECT_EQ(db_->find_key(k->record.id)->limits.period, BudgetPeriod::kNone);
  change = {};
  change.name = "renamed";
  EXPECT_FALSE(update_key(*db_, *db_->find_key(k->record.id), change).ok());
}

TEST_F(KeyAdminTest, ReferencesByIdNameAndPrefix) {
  const CreatedKey a = make("alpha");
  const CreatedKey b = make("beta");
  EXPECT_EQ(find_key_ref(*db_, std::to_string(b.record.id))->name, "beta");
  EXPECT_EQ(find_key_ref(*db_, "alpha")->id, a.record.id);
  EXPECT_EQ(find_key_ref(*db_, a.record.display_prefix)->id, a.record.id);
  EXPECT_EQ(find_key_ref(*db_, "gamma").status().code(), StatusCode::kNotFound);
  // An all-digit name: an id first, then the name.
  const CreatedKey year = make("2026");
  EXPECT_EQ(find_key_ref(*db_, "2026")->id, year.record.id);
  EXPECT_EQ(find_key_ref(*db_, std::to_string(a.record.id))->id, a.record.id);
  EXPECT_FALSE(find_key_ref(*db_, "").ok());
  // A whole key given as a reference finds nothing and is not echoed.
  Result<KeyRecord> by_key = find_key_ref(*db_, a.key);
  ASSERT_FALSE(by_key.ok());
  EXPECT_EQ(by_key.status().message().find(a.key.substr(kDisplayPrefixLength)), std::string::npos);
  ASSERT_TRUE(db_->revoke_key(a.record.id, 100).ok());
  EXPECT_FALSE(find_key_ref(*db_, "alpha").ok());
  EXPECT_EQ(find_key_ref(*db_, std::to_string(a.record.id))->revoked_at, 100);
  EXPECT_EQ(find_key_ref(*db_, a.record.display_prefix)->id, a.record.id);
}

TEST_F(KeyAdminTest, SpecFromJsonIsStrict) {
  Result<KeySpec> s = key_spec_from_json(nlohmann::json::parse(
      R"({"name":"x","rpm":5,"tpm":7,"budget":"2.5","period":"month","models":["m"],"admin":true})"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(*s->budget, 2'500'000);
  EXPECT_EQ(*s->period, BudgetPeriod::kMonth);
  EXPECT_EQ(*s->rpm, 5);
  EXPECT_TRUE(*s->admin);
  Result<KeySpec> none = key_spec_from_json(nlohmann::json::parse(R"({"budget":null,"period":"day"})"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none->period, BudgetPeriod::kNone);
  for (const char* bad : {R"({"name":1})", R"({"rpm":"5"})", R"({"rpm":1.5})", R"({"budget":2.5})",
                          R"({"period":"week"})", R"({"models":"m"})", R"({"models":[1]})", R"({"admin":1})",
                          R"({"hash":"x"})", R"([])", R"({"rpm":18446744073709551615})"}) {
    Result<KeySpec> r = key_spec_from_json(nlohmann::json::parse(bad));
    if (r.ok()) {
      // Only the last passes the JSON check: its rpm is refused when applied.
      KeySpec spec = *r;
      spec.name = "q";
      EXPECT_FALSE(create_key(*db_, hasher_, spec).ok()) << bad;
    }
  }
}

}  // namespace
}  // namespace herd::gateway
