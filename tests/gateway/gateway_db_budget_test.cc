// Budgets on both backends: reservations that never overspend, settling exactly once,
// releasing, and reservations of dead holders.
#include <thread>
#include <vector>

#include "gateway_db_fixture.h"

namespace herd::gateway {
namespace {

LedgerRow row_for(int64_t key_id, int64_t time_us, Micros cost, const std::string& idempotency = "") {
  LedgerRow row;
  row.time = time_us;
  row.request_id = "req";
  row.key_id = key_id;
  row.model = "qwen";
  row.route = "/v1/completions";
  row.tokens = TokenCounts{3, 1, 2};
  row.cost = cost;
  row.ttft_us = 1500;
  row.duration_us = 9000;
  row.status = 200;
  row.idempotency_key = idempotency;
  return row;
}

TEST_P(GatewayDbTest, AReservationIsHeldOnlyWhenItFits) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 100);
  Result<std::optional<Reservation>> a = db_->reserve(Reservation{0, id, 86400, 60}, 100, "h");
  ASSERT_TRUE(a.ok() && a->has_value()) << a.status().to_string();
  EXPECT_GT((*a)->id, 0);
  EXPECT_EQ((*a)->amount, 60);
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 86400, 41}, 100, "h")->has_value());
  Result<std::optional<Reservation>> b = db_->reserve(Reservation{0, id, 86400, 40}, 100, "h");
  ASSERT_TRUE(b->has_value());
  EXPECT_NE((*b)->id, (*a)->id);
  // Another period has its own budget.
  EXPECT_TRUE(db_->reserve(Reservation{0, id, 2 * 86400, 100}, 100, "h")->has_value());
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 86400, 1}, 100, "h")->has_value());
  // Settling the 60 at a real cost of 25 frees 35.
  ASSERT_TRUE(*db_->settle(**a, row_for(id, 86400LL * 1'000'000, 25)));
  EXPECT_EQ(*db_->spent(id, 86400), 25);
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 86400, 36}, 100, "h")->has_value());
  EXPECT_TRUE(db_->reserve(Reservation{0, id, 86400, 35}, 100, "h")->has_value());
  EXPECT_EQ(db_->reserve(Reservation{0, id, 86400, -1}, 100, "h").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(GatewayDbTest, ReleasingGivesTheBudgetBackWithoutBilling) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 100);
  std::optional<Reservation> r = *db_->reserve(Reservation{0, id, 0, 100}, 100, "h");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 0, 1}, 100, "h")->has_value());
  ASSERT_TRUE(db_->release(*r).ok());
  ASSERT_TRUE(db_->release(*r).ok());  // twice is harmless
  EXPECT_EQ(*db_->spent(id, 0), 0);
  EXPECT_TRUE(db_->ledger_rows(UsageQuery{}, 10)->empty());
  EXPECT_TRUE(db_->reserve(Reservation{0, id, 0, 100}, 100, "h")->has_value());
}

// 64 threads on two handles (two connections, as two processes would have) race for a
// budget with room for exactly 14 reservations of 7.
TEST_P(GatewayDbTest, RacingReservationsNeverOverspend) {
  constexpr Micros kBudget = 10'000;
  constexpr Micros kAmount = 7;
  const int64_t id = create("team-a", BudgetPeriod::kMonth, kBudget);
  const int64_t period = 1796083200;
  ASSERT_TRUE(*db_->settle(Reservation{0, id, period, 0}, row_for(id, period * 1'000'000, kBudget - 100)));
  std::unique_ptr<GatewayDb> second = open_migrated();
  ASSERT_NE(second, nullptr);
  std::vector<std::optional<Reservation>> got(64);
  std::vector<Status> errors(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&, t] {
      GatewayDb& db = t % 2 == 0 ? *db_ : *second;
      Result<std::optional<Reservation>> r = db.reserve(Reservation{0, id, period, kAmount}, kBudget, "h" + std::to_string(t % 3));
      if (r.ok()) got[t] = *r;
      else errors[t] = r.status();
    });
  }
  for (std::thread& t : threads) t.join();
  int held = 0;
  for (int t = 0; t < 64; ++t) {
    ASSERT_TRUE(errors[t].ok()) << errors[t].to_string();
    held += got[t].has_value() ? 1 : 0;
  }
  EXPECT_EQ(held, 100 / kAmount);  // exactly as many as fit, never more
  EXPECT_FALSE(db_->reserve(Reservation{0, id, period, 100 - held * kAmount + 1}, kBudget, "h")->has_value());
  EXPECT_TRUE(db_->reserve(Reservation{0, id, period, 100 - held * kAmount}, kBudget, "h")->has_value());
}

TEST_P(GatewayDbTest, AnIdempotencyKeyIsBilledOnce) {
  const int64_t a = create("team-a", BudgetPeriod::kMonth, 1'000);
  const int64_t b = create("team-b", BudgetPeriod::kMonth, 1'000);
  const int64_t t = 1796651110LL * 1'000'000;
  std::optional<Reservation> r = *db_->reserve(Reservation{0, a, 1796083200, 500}, 1'000, "h");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(*db_->settle(*r, row_for(a, t, 30, "retry-1")));
  std::optional<Reservation> again = *db_->reserve(Reservation{0, a, 1796083200, 500}, 1'000, "h");
  ASSERT_TRUE(again.has_value());
  Result<bool> second = db_->settle(*again, row_for(a, t + 5, 30, "retry-1"));
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_FALSE(*second);
  EXPECT_EQ(*db_->spent(a, 1796083200), 30);
  // The duplicate's reservation is gone all the same: the whole budget minus 30 is free.
  EXPECT_TRUE(db_->reserve(Reservation{0, a, 1796083200, 970}, 1'000, "h")->has_value());
  // The same idempotency key on another key, and rows without one, are billed.
  EXPECT_TRUE(*db_->settle(Reservation{0, b, 1796083200, 0}, row_for(b, t, 30, "retry-1")));
  EXPECT_TRUE(*db_->settle(Reservation{0, a, 1796083200, 0}, row_for(a, t, 1)));
  EXPECT_TRUE(*db_->settle(Reservation{0, a, 1796083200, 0}, row_for(a, t, 1)));
  EXPECT_EQ(*db_->spent(a, 1796083200), 32);
  EXPECT_EQ(*db_->spent(b, 1796083200), 30);
  UsageQuery q;
  q.key_id = a;
  EXPECT_EQ(db_->ledger_rows(q, 100)->size(), 3u);
  EXPECT_EQ((*db_->usage(q))[0].requests, 3);
}

TEST_P(GatewayDbTest, SettlingWithoutAReservationBillsTheKeysOwnPeriod) {
  const int64_t monthly = create("monthly", BudgetPeriod::kMonth, 1'000);
  const int64_t unlimited = create("unlimited");
  const int64_t t = 1796651110LL * 1'000'000;  // 2026-12-07T13:45:10Z
  ASSERT_TRUE(*db_->settle(Reservation{}, row_for(monthly, t, 11)));
  ASSERT_TRUE(*db_->settle(Reservation{}, row_for(unlimited, t, 12)));
  EXPECT_EQ(*db_->spent(monthly, 1796083200), 11);  // 2026-12-01
  EXPECT_EQ(*db_->spent(unlimited, 0), 12);
  // With a reservation, the reservation's period, even when the row ends in the next one.
  std::optional<Reservation> r = *db_->reserve(Reservation{0, monthly, 1796083200, 50}, 1'000, "h");
  ASSERT_TRUE(*db_->settle(*r, row_for(monthly, 1798761600LL * 1'000'000 + 1, 20)));  // 2027-01-01
  EXPECT_EQ(*db_->spent(monthly, 1796083200), 31);
}

TEST_P(GatewayDbTest, BadLedgerRowsAreRefused) {
  const int64_t id = create("team-a");
  LedgerRow bad = row_for(id, 1, 1);
  bad.tokens.cached_prompt = 5;  // more than the prompt
  EXPECT_EQ(db_->settle(Reservation{}, bad).status().code(), StatusCode::kInvalidArgument);
  bad = row_for(id, 1, -1);
  EXPECT_EQ(db_->settle(Reservation{}, bad).status().code(), StatusCode::kInvalidArgument);
  bad = row_for(id, 1, 1);
  bad.request_id = std::string(300, 'r');
  EXPECT_EQ(db_->settle(Reservation{}, bad).status().code(), StatusCode::kInvalidArgument);
  bad = row_for(id + 1000, 1, 1);  // no such key
  EXPECT_EQ(db_->settle(Reservation{}, bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(db_->ledger_rows(UsageQuery{}, 10)->empty());
  EXPECT_EQ(*db_->spent(id, 0), 0);
}

TEST_P(GatewayDbTest, AHeartbeatDropsTheReservationsOfSilentHolders) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 100);
  ASSERT_TRUE(db_->heartbeat("alive", 1'000, 30).ok());
  ASSERT_TRUE(db_->heartbeat("dead", 1'000, 30).ok());
  ASSERT_TRUE(db_->reserve(Reservation{0, id, 0, 40}, 100, "alive")->has_value());
  ASSERT_TRUE(db_->reserve(Reservation{0, id, 0, 60}, 100, "dead")->has_value());
  ASSERT_FALSE(db_->reserve(Reservation{0, id, 0, 1}, 100, "alive")->has_value());
  ASSERT_TRUE(db_->heartbeat("alive", 1'020, 30).ok());  // "dead" is 20 s silent: kept
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 0, 1}, 100, "alive")->has_value());
  ASSERT_TRUE(db_->heartbeat("alive", 1'031, 30).ok());  // 31 s: dropped
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 0, 61}, 100, "alive")->has_value());
  EXPECT_TRUE(db_->reserve(Reservation{0, id, 0, 60}, 100, "alive")->has_value());
}

TEST_P(GatewayDbTest, DroppingAHoldersReservationsFreesOnlyThose) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 100);
  ASSERT_TRUE(db_->reserve(Reservation{0, id, 0, 30}, 100, "old-run")->has_value());
  ASSERT_TRUE(db_->reserve(Reservation{0, id, 0, 30}, 100, "old-run")->has_value());
  ASSERT_TRUE(db_->reserve(Reservation{0, id, 0, 40}, 100, "other")->has_value());
  ASSERT_TRUE(db_->drop_reservations("old-run").ok());
  EXPECT_FALSE(db_->reserve(Reservation{0, id, 0, 61}, 100, "x")->has_value());
  EXPECT_TRUE(db_->reserve(Reservation{0, id, 0, 60}, 100, "x")->has_value());
}

}  // namespace
}  // namespace herd::gateway
