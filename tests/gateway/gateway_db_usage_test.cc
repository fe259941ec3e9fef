// Usage reports on both backends equal sums computed here over the rows inserted, for
// ranges that cut hours at either end (rows there come from the ledger, whole hours from
// the roll-up: each row must count exactly once); raw ledger rows; retention.
#include <map>
#include <random>

#include "gateway/civil_date.h"
#include "gateway/sql_gateway_db.h"
#include "gateway_db_fixture.h"

namespace herd::gateway {
namespace {

using GroupBy = UsageQuery::GroupBy;
constexpr int64_t kHour = 3'600'000'000;
constexpr int64_t kBase = 1796083200LL * 1'000'000;  // 2026-12-01T00:00:00Z

class UsageFixture : public GatewayDbTest {
 protected:
  // 600 rows over 3 keys x 3 models, spread over 3 days, some on exact hour boundaries.
  void fill() {
    for (const char* name : {"k1", "k2", "k3"}) keys_.push_back(create(name));
    std::mt19937_64 rng(7);
    std::vector<std::pair<Reservation, LedgerRow>> batch;
    for (int i = 0; i < 600; ++i) {
      LedgerRow row;
      row.time = kBase + static_cast<int64_t>(rng() % (72 * kHour));
      if (i % 50 == 0) row.time = kBase + (i / 50) * kHour;  // on a boundary
      row.request_id = "r" + std::to_string(i);
      row.key_id = keys_[rng() % keys_.size()];
      row.model = std::vector<std::string>{"qwen", "llama", "phi"}[rng() % 3];
      row.route = "/v1/chat/completions";
      row.tokens.prompt = static_cast<int64_t>(rng() % 1000);
      row.tokens.cached_prompt = row.tokens.prompt / 3;
      row.tokens.completion = static_cast<int64_t>(rng() % 500);
      row.cost = static_cast<int64_t>(rng() % 100'000);
      row.status = 200;
      rows_.push_back(row);
      batch.emplace_back(Reservation{}, row);
    }
    // Half through settle(), half in one transaction through the bulk path.
    for (size_t i = 0; i < batch.size() / 2; ++i) ASSERT_TRUE(*db_->settle(batch[i].first, batch[i].second));
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2));
    auto* sql = dynamic_cast<SqlGatewayDb*>(db_.get());
    ASSERT_NE(sql, nullptr);
    ASSERT_EQ(*sql->settle_many(batch), static_cast<int64_t>(batch.size()));
  }

  // The report computed from the rows themselves.
  std::vector<UsageTotals> expected(const UsageQuery& q) const {
    std::map<std::pair<int64_t, std::string>, UsageTotals> groups;
    for (const LedgerRow& r : rows_) {
      if (r.time < q.since_us || r.time >= q.until_us) continue;
      if (q.key_id && r.key_id != *q.key_id) continue;
      if (q.model && r.model != *q.model) continue;
      std::pair<int64_t, std::string> g{0, ""};
      std::string label;
      switch (q.group_by) {
        case GroupBy::kKey: g.first = r.key_id; label = std::to_string(r.key_id); break;
        case GroupBy::kModel: g.second = r.model; label = r.model; break;
        case GroupBy::kDay: g.first = r.time / (24 * kHour); label = format_day(g.first); break;
        case GroupBy::kHour: g.first = r.time / kHour; label = format_hour(g.first); break;
        case GroupBy::kNone: break;
      }
      UsageTotals& t = groups[g];
      t.group = label;
      t.requests += 1;
      t.tokens.prompt += r.tokens.prompt;
      t.tokens.cached_prompt += r.tokens.cached_prompt;
      t.tokens.completion += r.tokens.completion;
      t.cost += r.cost;
    }
    std::vector<UsageTotals> out;
    for (auto& [g, t] : groups) out.push_back(t);
    if (out.empty() && q.group_by == GroupBy::kNone) out.emplace_back();
    return out;
  }

  std::vector<int64_t> keys_;
  std::vector<LedgerRow> rows_;
};

void expect_same(const std::vector<UsageTotals>& got, const std::vector<UsageTotals>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].group, want[i].group) << what;
    EXPECT_EQ(got[i].requests, want[i].requests) << what << " " << got[i].group;
    EXPECT_EQ(got[i].tokens.prompt, want[i].tokens.prompt) << what << " " << got[i].group;
    EXPECT_EQ(got[i].tokens.cached_prompt, want[i].tokens.cached_prompt) << what << " " << got[i].group;
    EXPECT_EQ(got[i].tokens.completion, want[i].tokens.completion) << what << " " << got[i].group;
    EXPECT_EQ(got[i].cost, want[i].cost) << what << " " << got[i].group;
  }
}

TEST_P(UsageFixture, ReportsEqualTheSumOfTheRowsForEveryRangeAndGrouping) {
  fill();
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, INT64_MAX},                                       // everything
      {kBase, kBase + 72 * kHour},                          // whole hours only
      {kBase + 1, kBase + 72 * kHour - 1},                  // cut by a microsecond at both ends
      {kBase + kHour / 2, kBase + 30 * kHour + 123'456},    // cut hours at both ends
      {kBase + 5 * kHour + 10, kBase + 5 * kHour + kHour / 2},  // inside one hour
      {kBase + 5 * kHour + 10, kBase + 6 * kHour + 10},     // two partial hours, no whole one
      {kBase + 7 * kHour, kBase + 7 * kHour},               // empty
      {kBase + 9 * kHour, kBase + 3 * kHour},               // backwards
      {kBase + 20 * kHour, INT64_MAX},                      // open end
  };
  for (const auto& [since, until] : ranges) {
    for (GroupBy g : {GroupBy::kNone, GroupBy::kKey, GroupBy::kModel, GroupBy::kDay, GroupBy::kHour}) {
      for (int filter = 0; filter < 3; ++filter) {
        UsageQuery q;
        q.since_us = since;
        q.until_us = until;
        q.group_by = g;
        if (filter == 1) q.key_id = keys_[1];
        if (filter == 2) q.model = "llama";
        Result<std::vector<UsageTotals>> got = db_->usage(q);
        ASSERT_TRUE(got.ok()) << got.status().to_string();
        expect_same(*got, expected(q),
                    "range " + std::to_string(since - kBase) + ".." + std::to_string(until - kBase) + " group " +
                        std::to_string(static_cast<int>(g)) + " filter " + std::to_string(filter));
      }
    }
  }
}

TEST_P(UsageFixture, DayAndHourGroupsAreLabelledInUtc) {
  const int64_t id = create("k");
  LedgerRow row;
  row.key_id = id;
  row.model = "m";
  row.time = 1796651110LL * 1'000'000;  // 2026-12-07T13:45:10Z
  ASSERT_TRUE(*db_->settle(Reservation{}, row));
  UsageQuery q;
  q.group_by = GroupBy::kDay;
  EXPECT_EQ((*db_->usage(q))[0].group, "2026-12-07");
  q.group_by = GroupBy::kHour;
  EXPECT_EQ((*db_->usage(q))[0].group, "2026-12-07T13");
  q.group_by = GroupBy::kKey;
  EXPECT_EQ((*db_->usage(q))[0].group, std::to_string(id));
}

TEST_P(UsageFixture, LedgerRowsComeBackWholeInTimeOrder) {
  fill();
  UsageQuery q;
  q.key_id = keys_[2];
  q.since_us = kBase + 10 * kHour + 7;
  q.until_us = kBase + 40 * kHour;
  std::vector<LedgerRow> want;
  for (const LedgerRow& r : rows_) {
    if (r.key_id == keys_[2] && r.time >= q.since_us && r.time < q.until_us) want.push_back(r);
  }
  std::stable_sort(want.begin(), want.end(), [](const LedgerRow& a, const LedgerRow& b) { return a.time < b.time; });
  ASSERT_GT(want.size(), 20u);
  std::vector<LedgerRow> got = *db_->ledger_rows(q, 100'000);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].time, want[i].time);
    EXPECT_EQ(got[i].key_id, want[i].key_id);
  }
  // Every field, for one row with all of them set.
  const LedgerRow& sample = want[3];
  const LedgerRow* back = nullptr;
  for (const LedgerRow& r : got) {
    if (r.request_id == sample.request_id) back = &r;
  }
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->model, sample.model);
  EXPECT_EQ(back->route, sample.route);
  EXPECT_EQ(back->adapter, "");
  EXPECT_EQ(back->tokens.prompt, sample.tokens.prompt);
  EXPECT_EQ(back->tokens.cached_prompt, sample.tokens.cached_prompt);
  EXPECT_EQ(back->tokens.completion, sample.tokens.completion);
  EXPECT_EQ(back->cost, sample.cost);
  EXPECT_EQ(back->ttft_us, -1);
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(back->idempotency_key, "");
  EXPECT_EQ(db_->ledger_rows(q, 5)->size(), 5u);
  EXPECT_EQ(db_->ledger_rows(q, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(UsageFixture, RetentionDeletesWholeHoursInBatchesAndReportsStayExact) {
  fill();
  // A cut-off inside hour 30 keeps that hour whole.
  const int64_t cutoff = kBase + 30 * kHour + kHour / 3;
  int64_t older = 0;
  for (const LedgerRow& r : rows_) older += r.time < kBase + 30 * kHour ? 1 : 0;
  Result<int64_t> deleted = db_->delete_usage_before(cutoff, 7);
  ASSERT_TRUE(deleted.ok()) << deleted.status().to_string();
  EXPECT_EQ(*deleted, older);
  std::erase_if(rows_, [](const LedgerRow& r) { return r.time < kBase + 30 * kHour; });
  for (GroupBy g : {GroupBy::kNone, GroupBy::kKey, GroupBy::kHour}) {
    for (int64_t since : {int64_t{0}, kBase + 29 * kHour + 5, kBase + 31 * kHour}) {
      UsageQuery q;
      q.group_by = g;
      q.since_us = since;
      expect_same(*db_->usage(q), expected(q), "after retention, since " + std::to_string(since - kBase));
    }
  }
  EXPECT_EQ(*db_->delete_usage_before(cutoff, 1000), 0);
  EXPECT_EQ(db_->ledger_rows(UsageQuery{}, 100'000)->size(), rows_.size());
  EXPECT_EQ(db_->delete_usage_before(cutoff, 0).status().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, UsageFixture, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace herd::gateway
