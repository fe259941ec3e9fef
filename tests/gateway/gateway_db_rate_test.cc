// Per-minute limits in the database on both backends: two handles (as two replicas) share
// one key's requests and tokens per minute, settling corrects the token count, windows
// slide with the clock, and the budget is checked in the same admission.
#include <thread>
#include <vector>

#include "gateway_db_fixture.h"

namespace herd::gateway {
namespace {

constexpr int64_t kNow = 1'796'651'110;  // 2026-12-07T13:45:10Z

using Verdict = AdmitOutcome::Verdict;

AdmitAsk ask_for(int64_t key_id, int64_t now_s, int64_t rpm, int64_t tpm, int64_t need_tokens) {
  AdmitAsk ask;
  ask.key_id = key_id;
  ask.now_s = now_s;
  ask.rpm = rpm;
  ask.tpm = tpm;
  ask.need_tokens = need_tokens;
  return ask;
}

LedgerRow ended_at(int64_t key_id, int64_t unix_s, int64_t prompt, int64_t completion) {
  LedgerRow row;
  row.time = unix_s * 1'000'000;
  row.request_id = "req";
  row.key_id = key_id;
  row.model = "qwen";
  row.route = "/v1/completions";
  row.tokens = TokenCounts{prompt, 0, completion};
  row.status = 200;
  return row;
}

class GatewayDbRateTest : public GatewayDbTest {
 protected:
  // 32 threads on two handles admit one ask each in the same second; returns how many
  // were admitted (every other one must be refused by `refused_as`, none may fail).
  int race(const AdmitAsk& ask, Verdict refused_as) {
    std::unique_ptr<GatewayDb> second = open_migrated();
    EXPECT_NE(second, nullptr);
    if (second == nullptr) return -1;
    std::vector<Result<AdmitOutcome>> got(32, Result<AdmitOutcome>(AdmitOutcome{}));
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t) {
      threads.emplace_back([&, t] { got[t] = (t % 2 == 0 ? *db_ : *second).admit(ask); });
    }
    for (std::thread& t : threads) t.join();
    int admitted = 0;
    for (const Result<AdmitOutcome>& r : got) {
      EXPECT_TRUE(r.ok()) << r.status().to_string();
      if (!r.ok()) continue;
      if (r->verdict == Verdict::kAdmitted) ++admitted;
      else EXPECT_EQ(r->verdict, refused_as);
    }
    return admitted;
  }
};

TEST_P(GatewayDbRateTest, TwoReplicasRacingShareTheRequestsPerMinute) {
  const int64_t id = create("team-a");
  EXPECT_EQ(race(ask_for(id, kNow, 10, 0, 5), Verdict::kRequestsLimited), 10);
  Result<AdmitOutcome> next = db_->admit(ask_for(id, kNow + 30, 10, 0, 5));
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(next->verdict, Verdict::kRequestsLimited);
  EXPECT_EQ(next->requests.used, 10);
  EXPECT_EQ(next->retry_after_s, 30);  // all ten leave the window at kNow + 60
  EXPECT_EQ(next->requests.reset_s, 30);
}

TEST_P(GatewayDbRateTest, TwoReplicasRacingShareTheTokensPerMinute) {
  const int64_t id = create("team-a");
  EXPECT_EQ(race(ask_for(id, kNow, 0, 100, 7), Verdict::kTokensLimited), 100 / 7);
  Result<AdmitOutcome> next = db_->admit(ask_for(id, kNow, 0, 100, 3));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->verdict, Verdict::kTokensLimited);
  EXPECT_EQ(next->tokens.used, 98);
  EXPECT_EQ(db_->admit(ask_for(id, kNow, 0, 100, 2))->verdict, Verdict::kAdmitted);
}

TEST_P(GatewayDbRateTest, WindowsSlideWithTheClock) {
  const int64_t id = create("team-a");
  Result<AdmitOutcome> first = db_->admit(ask_for(id, kNow, 2, 50, 10));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(first->verdict, Verdict::kAdmitted);
  EXPECT_EQ(first->requests.used, 1);
  EXPECT_EQ(first->requests.reset_s, 60);
  EXPECT_EQ(first->tokens.used, 10);
  Result<AdmitOutcome> second = db_->admit(ask_for(id, kNow + 20, 2, 50, 30));
  ASSERT_EQ(second->verdict, Verdict::kAdmitted);
  EXPECT_EQ(second->requests.used, 2);
  EXPECT_EQ(second->tokens.used, 40);
  // The minute holds two requests until the first leaves at kNow + 60.
  Result<AdmitOutcome> third = db_->admit(ask_for(id, kNow + 21, 2, 50, 1));
  ASSERT_EQ(third->verdict, Verdict::kRequestsLimited);
  EXPECT_EQ(third->retry_after_s, 39);
  EXPECT_EQ(third->requests.reset_s, 59);  // the newest leaves at kNow + 80
  // Tokens: 40 of 50 used; 20 more fit once the first request's 10 leave.
  Result<AdmitOutcome> tokens = db_->admit(ask_for(id, kNow + 59, 3, 50, 20));
  ASSERT_EQ(tokens->verdict, Verdict::kTokensLimited);
  EXPECT_EQ(tokens->retry_after_s, 1);
  EXPECT_EQ(tokens->tokens.used, 40);
  // A request that can never fit says so with the whole minute.
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 59, 3, 50, 51))->retry_after_s, 60);
  Result<AdmitOutcome> later = db_->admit(ask_for(id, kNow + 60, 2, 50, 20));
  ASSERT_EQ(later->verdict, Verdict::kAdmitted);
  EXPECT_EQ(later->requests.used, 2);
  EXPECT_EQ(later->tokens.used, 50);
}

TEST_P(GatewayDbRateTest, SettlingCorrectsTheTokenWindow) {
  const int64_t id = create("team-a");
  ASSERT_EQ(db_->admit(ask_for(id, kNow, 0, 100, 60))->verdict, Verdict::kAdmitted);
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 1, 0, 100, 60))->verdict, Verdict::kTokensLimited);
  // It used 10 of the 60 it was counted for: 50 return to the window.
  ASSERT_TRUE(*db_->settle(Reservation{}, ended_at(id, kNow + 2, 4, 6), RateCorrection{kNow, -50}));
  Result<AdmitOutcome> next = db_->admit(ask_for(id, kNow + 3, 0, 100, 60));
  ASSERT_EQ(next->verdict, Verdict::kAdmitted);
  EXPECT_EQ(next->tokens.used, 70);
  // A correction never takes a second below zero, and one that used more than counted adds.
  ASSERT_TRUE(*db_->settle(Reservation{}, ended_at(id, kNow + 4, 1, 1), RateCorrection{kNow, -1000}));
  ASSERT_TRUE(*db_->settle(Reservation{}, ended_at(id, kNow + 4, 1, 1), RateCorrection{kNow + 3, 5}));
  // The window now holds 0 at kNow and 65 at kNow + 3.
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 5, 0, 100, 36))->verdict, Verdict::kTokensLimited);
  Result<AdmitOutcome> fits = db_->admit(ask_for(id, kNow + 5, 0, 100, 35));
  ASSERT_EQ(fits->verdict, Verdict::kAdmitted);
  EXPECT_EQ(fits->tokens.used, 100);
}

TEST_P(GatewayDbRateTest, ASecondThatLeftTheWindowIsNotCorrected) {
  const int64_t id = create("team-a");
  ASSERT_EQ(db_->admit(ask_for(id, kNow, 0, 100, 60))->verdict, Verdict::kAdmitted);
  // Settled a minute later: the count at kNow no longer limits anyone, and a clock that
  // lags (another replica's) still sees it unchanged.
  ASSERT_TRUE(*db_->settle(Reservation{}, ended_at(id, kNow + 60, 1, 1), RateCorrection{kNow, -58}));
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 1, 0, 100, 41))->verdict, Verdict::kTokensLimited);
}

TEST_P(GatewayDbRateTest, TheBudgetIsCheckedInTheSameAdmission) {
  const int64_t id = create("team-a", BudgetPeriod::kDay, 100);
  AdmitAsk ask = ask_for(id, kNow, 2, 0, 5);
  ask.reservation = Reservation{0, id, period_start(BudgetPeriod::kDay, kNow), 70};
  ask.budget = 100;
  ask.holder = "h";
  Result<AdmitOutcome> first = db_->admit(ask);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_EQ(first->verdict, Verdict::kAdmitted);
  EXPECT_GT(first->reservation.id, 0);
  EXPECT_EQ(first->reservation.amount, 70);
  // Over budget: refused, and the request is not counted in the window.
  Result<AdmitOutcome> over = db_->admit(ask);
  ASSERT_EQ(over->verdict, Verdict::kOverBudget);
  EXPECT_EQ(over->spent, 0);
  ask.reservation->amount = 30;
  ASSERT_EQ(db_->admit(ask)->verdict, Verdict::kAdmitted);
  // Rate-limited: refused before the budget, nothing reserved.
  ask.reservation->amount = 0;
  EXPECT_EQ(db_->admit(ask)->verdict, Verdict::kRequestsLimited);
  ASSERT_TRUE(*db_->settle(first->reservation, ended_at(id, kNow + 1, 5, 5)));
  EXPECT_TRUE(db_->reserve(Reservation{0, id, period_start(BudgetPeriod::kDay, kNow), 70}, 100, "h")->has_value());
  EXPECT_EQ(db_->admit(ask_for(id, kNow, -1, 0, 5)).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(GatewayDbRateTest, AHeartbeatDeletesRowsTwoMinutesOld) {
  const int64_t id = create("team-a");
  ASSERT_EQ(db_->admit(ask_for(id, kNow, 1, 0, 1))->verdict, Verdict::kAdmitted);
  ASSERT_TRUE(db_->heartbeat("h", kNow + 120, 30).ok());  // exactly two minutes: kept
  // A replica whose clock lags still sees the request counted...
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 1, 1, 0, 1))->verdict, Verdict::kRequestsLimited);
  ASSERT_TRUE(db_->heartbeat("h", kNow + 121, 30).ok());
  // ...until the row is deleted.
  EXPECT_EQ(db_->admit(ask_for(id, kNow + 1, 1, 0, 1))->verdict, Verdict::kAdmitted);
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayDbRateTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_name);

}  // namespace
}  // namespace herd::gateway
