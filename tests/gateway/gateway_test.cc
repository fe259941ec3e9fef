// The gateway core over a real SQLite database, with a clock the test moves.
#include "gateway/gateway.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "../support/temp_dir.h"
#include "gateway/api_key.h"
#include "gateway/key_admin.h"

namespace herd::gateway {
namespace {

constexpr int64_t kStart = 1'780'000'000'000'000;  // 2026-05-28, in microseconds

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<uint8_t, 32> secret{};
    secret[3] = 9;
    hasher_ = KeyHasher::from_secret(secret);
    Result<std::unique_ptr<GatewayDb>> db = open_gateway_db(dir_ / "gateway.db");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->migrate(hasher_.check_value()).ok());
    ASSERT_TRUE(db_->set_price("m", Price{1'000'000, 500'000, 2'000'000}).ok());  // 1, 0.5, 2 micros a token
  }

  std::string key(const std::string& name, KeySpec spec = {}) {
    spec.name = name;
    Result<CreatedKey> k = create_key(*db_, hasher_, spec);
    EXPECT_TRUE(k.ok()) << k.status().message();
    return k.ok() ? k->key : "";
  }

  void start(int64_t retention_s = 0) { gateway_ = launch(db_.get(), "unit", retention_s); }

  // A gateway on `db` with the test's clock (another one on the same database is another
  // replica).
  std::unique_ptr<Gateway> launch(GatewayDb* db, const std::string& holder, int64_t retention_s = 0) {
    GatewayParams p;
    p.retention_s = retention_s;
    p.db = db;
    p.hasher = hasher_;
    p.holder = holder;
    p.reload_interval = std::chrono::milliseconds(20);
    p.now_us = [this] { return now_.load(); };
    Result<std::unique_ptr<Gateway>> g = Gateway::create(std::move(p));
    EXPECT_TRUE(g.ok()) << g.status().message();
    return g.ok() ? std::move(g).value() : nullptr;
  }

  Caller caller(const std::string& k) {
    std::variant<Caller, Refusal> who = gateway_->authenticate(k);
    EXPECT_TRUE(std::holds_alternative<Caller>(who));
    return std::holds_alternative<Caller>(who) ? std::get<Caller>(who) : Caller{};
  }

  herd::testing::TempDir dir_;
  KeyHasher hasher_ = KeyHasher::from_secret({});
  std::unique_ptr<GatewayDb> db_;
  std::unique_ptr<Gateway> gateway_;
  std::atomic<int64_t> now_{kStart};
};

TEST_F(GatewayTest, AuthenticatesOnlyActiveWellShapedKeys) {
  const std::string k = key("a");
  start();
  EXPECT_EQ(caller(k).name, "a");
  auto refused = [&](std::optional<std::string_view> presented) {
    std::variant<Caller, Refusal> who = gateway_->authenticate(presented);
    return std::holds_alternative<Refusal>(who) && std::get<Refusal>(who).kind == Refusal::Kind::kInvalidKey;
  };
  EXPECT_TRUE(refused(std::nullopt));
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("herd_short"));
  EXPECT_TRUE(refused(k.substr(0, k.size() - 1) + (k.back() == 'a' ? "b" : "a")));
  Result<std::string> other = new_api_key();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(refused(*other));
}

TEST_F(GatewayTest, SeesKeysMadeAndRevokedByAnotherProcess) {
  const std::string k = key("a");
  start();
  // A key made behind the gateway's back (as `herd keys create` does) works at once:
  // an unknown key makes it look.
  const std::string late = key("late");
  EXPECT_EQ(caller(late).name, "late");
  // A revocation shows within the reload interval.
  Result<KeyRecord> rec = db_->find_key_by_name("a");
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE(db_->revoke_key(rec->id, kStart / 1'000'000).ok());
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = std::holds_alternative<Refusal>(gateway_->authenticate(k));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
}

TEST_F(GatewayTest, ModelAllowList) {
  KeySpec spec;
  spec.models = std::vector<std::string>{"m", "other"};
  const std::string k = key("a", spec);
  start();
  const Caller c = caller(k);
  const std::vector<std::string> m = {"m"}, alias = {"x", "other"}, no = {"nope"};
  EXPECT_TRUE(gateway_->may_use(c, m));
  EXPECT_TRUE(gateway_->may_use(c, alias));
  EXPECT_FALSE(gateway_->may_use(c, no));
}

TEST_F(GatewayTest, RetryAfterFollowsTheMovingClock) {
  KeySpec spec;
  spec.rpm = 2;
  const std::string k = key("a", spec);
  start();
  const Caller c = caller(k);
  auto admit = [&] { return gateway_->admit(c, {"m", 10, 5}); };
  std::variant<Admission, Refusal> first = admit();
  ASSERT_TRUE(std::holds_alternative<Admission>(first));
  now_ += 20'000'000;
  std::variant<Admission, Refusal> second = admit();
  ASSERT_TRUE(std::holds_alternative<Admission>(second));
  std::variant<Admission, Refusal> third = admit();
  ASSERT_TRUE(std::holds_alternative<Refusal>(third));
  EXPECT_EQ(std::get<Refusal>(third).kind, Refusal::Kind::kRateLimited);
  EXPECT_EQ(std::get<Refusal>(third).retry_after_s, 40);  // the first leaves the window at +60 s
  now_ += 40'000'000;
  EXPECT_TRUE(std::holds_alternative<Admission>(admit()));
}

// Two replicas (each its own gateway and database handle on one file) count one minute.
TEST_F(GatewayTest, ReplicasShareTheRequestsPerMinute) {
  KeySpec spec;
  spec.rpm = 3;
  const std::string k = key("a", spec);
  start();
  Result<std::unique_ptr<GatewayDb>> other_db = open_gateway_db(dir_ / "gateway.db");
  ASSERT_TRUE(other_db.ok()) << other_db.status().message();
  ASSERT_TRUE((*other_db)->migrate(hasher_.check_value()).ok());
  std::unique_ptr<Gateway> other = launch(other_db->get(), "unit-2");
  ASSERT_NE(other, nullptr);
  const Caller c = caller(k);
  auto remaining = [](const std::variant<Admission, Refusal>& r) {
    for (const auto& [name, value] : std::get<Admission>(r).headers()) {
      if (name == "x-ratelimit-remaining-requests") return value;
    }
    return std::string("absent");
  };
  std::variant<Admission, Refusal> a = gateway_->admit(c, {"m", 1, 1});
  ASSERT_TRUE(std::holds_alternative<Admission>(a));
  EXPECT_EQ(remaining(a), "2");
  std::variant<Admission, Refusal> b = other->admit(c, {"m", 1, 1});
  ASSERT_TRUE(std::holds_alternative<Admission>(b));
  EXPECT_EQ(remaining(b), "1");
  ASSERT_TRUE(std::holds_alternative<Admission>(gateway_->admit(c, {"m", 1, 1})));
  for (Gateway* g : {gateway_.get(), other.get()}) {
    std::variant<Admission, Refusal> refused = g->admit(c, {"m", 1, 1});
    ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
    EXPECT_EQ(std::get<Refusal>(refused).kind, Refusal::Kind::kRateLimited);
    EXPECT_EQ(std::get<Refusal>(refused).retry_after_s, 60);
  }
  now_ += 60'000'000;
  EXPECT_TRUE(std::holds_alternative<Admission>(other->admit(c, {"m", 1, 1})));
}

TEST_F(GatewayTest, AnUnsettledAdmissionIsBilledWhenDropped) {
  const std::string k = key("a");
  start();
  const Caller c = caller(k);
  {
    std::variant<Admission, Refusal> a = gateway_->admit(c, {"m", 10, 5});
    ASSERT_TRUE(std::holds_alternative<Admission>(a));
    Admission& adm = std::get<Admission>(a);
    adm.row().request_id = "r1";
    adm.row().tokens = {10, 4, 3};
    adm.row().status = 499;
  }
  Result<std::vector<LedgerRow>> rows = db_->ledger_rows({}, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].request_id, "r1");
  EXPECT_EQ((*rows)[0].status, 499);
  EXPECT_EQ((*rows)[0].cost, 6 * 1 + 4 / 2 + 3 * 2);  // uncached, cached at half, output at 2
}

TEST_F(GatewayTest, ABudgetHoldsTheWorstCaseUntilSettled) {
  KeySpec spec;
  spec.budget = 100;  // micros
  spec.period = BudgetPeriod::kDay;
  const std::string k = key("a", spec);
  start();
  const Caller c = caller(k);
  // Worst case 10 * 1 + 30 * 2 = 70: one fits, a second does not while it is held.
  std::variant<Admission, Refusal> a = gateway_->admit(c, {"m", 10, 30});
  ASSERT_TRUE(std::holds_alternative<Admission>(a));
  std::variant<Admission, Refusal> b = gateway_->admit(c, {"m", 10, 30});
  ASSERT_TRUE(std::holds_alternative<Refusal>(b));
  EXPECT_EQ(std::get<Refusal>(b).kind, Refusal::Kind::kInsufficientQuota);
  // Settled at 10 + 2 * 2 = 14: 86 left, so the same worst case fits again.
  Admission& held = std::get<Admission>(a);
  held.row().tokens = {10, 0, 2};
  held.row().status = 200;
  ASSERT_TRUE(held.settle().ok());
  EXPECT_TRUE(std::holds_alternative<Admission>(gateway_->admit(c, {"m", 10, 30})));
  // The next day starts afresh.
  Result<Micros> spent = db_->spent(c.key_id, period_start(BudgetPeriod::kDay, kStart / 1'000'000));
  ASSERT_TRUE(spent.ok());
  EXPECT_GE(*spent, 14);
}

TEST_F(GatewayTest, TheWorstCaseTakesTheDearerOfInputAndCachedInput) {
  // A price list where the cache costs more than a fresh prompt (odd, but allowed).
  ASSERT_TRUE(db_->set_price("dear-cache", Price{1'000'000, 3'000'000, 2'000'000}).ok());
  KeySpec spec;
  spec.budget = 10 * 1 + 5 * 2;  // the worst case if every prompt token were uncached
  spec.period = BudgetPeriod::kDay;
  const std::string k = key("a", spec);
  start();
  const Caller c = caller(k);
  // 10 prompt tokens may all come from the cache at 3 each: up to 40, which does not fit.
  std::variant<Admission, Refusal> a = gateway_->admit(c, {"dear-cache", 10, 5});
  ASSERT_TRUE(std::holds_alternative<Refusal>(a));
  EXPECT_EQ(std::get<Refusal>(a).kind, Refusal::Kind::kInsufficientQuota);
}

TEST_F(GatewayTest, RetentionDeletesOldRowsWhileServing) {
  const std::string k = key("a");
  start(/*retention_s=*/90 * 86400);
  const Caller c = caller(k);
  auto bill = [&](const char* id) {
    std::variant<Admission, Refusal> a = gateway_->admit(c, {"m", 1, 1});
    ASSERT_TRUE(std::holds_alternative<Admission>(a));
    std::get<Admission>(a).row().request_id = id;
    ASSERT_TRUE(std::get<Admission>(a).settle().ok());
  };
  bill("old");
  now_ += int64_t{91} * 86400 * 1'000'000;  // three months later
  bill("new");
  bool pruned = false;
  for (int i = 0; i < 500 && !pruned; ++i) {
    Result<std::vector<LedgerRow>> rows = db_->ledger_rows({}, 10);
    pruned = rows.ok() && rows->size() == 1 && (*rows)[0].request_id == "new";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(pruned) << "the row older than the retention was not deleted";
}

}  // namespace
}  // namespace herd::gateway
