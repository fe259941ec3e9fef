// Usage report time over a large SQLite ledger: fills DIR/gateway.db with ROWS ledger rows
// (100 keys x 5 models, spread evenly over 60 days from 2026-10-01, written by settle()'s
// own code, 10,000 rows per transaction), then times three reports, median of 5 runs:
//   per-key month:   one key, one month, grouped by model
//   by-model month:  every key, one month, grouped by model
//   by-day:          every key, all 60 days, grouped by day
// The month ranges start and end 17 minutes into an hour, so partial hours are read too.
// A DIR that holds a database already is reused as it is (filling 10 M rows takes a while).
//   build/bench/bench_usage_report DIR [ROWS=1000000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gateway/sqlite_gateway_db.h"

namespace {

using herd::gateway::LedgerRow;
using herd::gateway::Reservation;
using herd::gateway::UsageQuery;

constexpr int kKeys = 100;
constexpr int kModels = 5;
constexpr int64_t kStartUs = 1'790'812'800LL * 1'000'000;  // 2026-10-01T00:00:00Z
constexpr int64_t kDayUs = 86'400LL * 1'000'000;
constexpr int64_t kNovemberUs = kStartUs + 31 * kDayUs;     // 2026-11-01
constexpr int64_t kDecemberUs = kNovemberUs + 30 * kDayUs;  // 2026-12-01
constexpr int64_t kSeventeenMinutesUs = 17LL * 60 * 1'000'000;
constexpr int64_t kBatch = 10'000;

bool fail(const herd::Status& st, const char* what) {
  if (st.ok()) return false;
  std::fprintf(stderr, "%s: %s\n", what, st.to_string().c_str());
  return true;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [ROWS=1000000]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const long long rows = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  if (rows <= 0 || !std::filesystem::is_directory(dir)) {
    std::fprintf(stderr, "usage: %s DIR [ROWS=1000000] (DIR must exist, ROWS > 0)\n", argv[0]);
    return 2;
  }
  const std::string path = dir + "/gateway.db";
  const bool reuse = std::filesystem::exists(path);
  auto opened = herd::gateway::open_sqlite_gateway_db(path);
  if (fail(opened.status(), "opening") || fail((*opened)->migrate("bench"), "migrating")) return 1;
  herd::gateway::SqlGatewayDb& db = **opened;

  std::vector<int64_t> keys;
  if (!reuse) {
    for (int k = 0; k < kKeys; ++k) {
      herd::gateway::KeyRecord key;
      key.name = "team-" + std::to_string(k);
      key.display_prefix = "herd_bench";
      key.hash = std::to_string(k) + std::string(60, 'a');
      auto made = db.create_key(key);
      if (fail(made.status(), "creating a key")) return 1;
      keys.push_back(made->id);
    }
    // Rows in time order, as a server appends them.
    const auto t0 = std::chrono::steady_clock::now();
    std::mt19937_64 rng(14);
    const int64_t span = 60 * kDayUs;
    std::vector<std::pair<Reservation, LedgerRow>> batch;
    for (long long i = 0; i < rows; ++i) {
      LedgerRow row;
      row.time = kStartUs + static_cast<int64_t>(static_cast<double>(span) * static_cast<double>(i) / static_cast<double>(rows));
      row.request_id = "req-" + std::to_string(i);
      row.key_id = keys[rng() % kKeys];
      row.model = "model-" + std::to_string(rng() % kModels);
      row.route = "/v1/chat/completions";
      row.tokens.prompt = static_cast<int64_t>(rng() % 2000);
      row.tokens.cached_prompt = row.tokens.prompt / 4;
      row.tokens.completion = static_cast<int64_t>(rng() % 500);
      row.cost = static_cast<int64_t>(rng() % 5000);
      row.ttft_us = 20'000;
      row.duration_us = 400'000;
      row.status = 200;
      batch.emplace_back(Reservation{}, std::move(row));
      if (static_cast<int64_t>(batch.size()) == kBatch || i + 1 == rows) {
        if (fail(db.settle_many(batch).status(), "settling")) return 1;
        batch.clear();
      }
    }
    const double s = seconds_since(t0);
    std::printf("filled %lld rows in %.1f s (%.0f rows/s)\n", rows, s, double(rows) / s);
  }

  UsageQuery all;
  auto total = db.usage(all);
  if (fail(total.status(), "counting")) return 1;
  std::printf("ledger: %lld rows, %s\n", static_cast<long long>((*total)[0].requests), path.c_str());

  UsageQuery per_key;
  per_key.key_id = 1 + 7;  // ids start at 1
  per_key.since_us = kNovemberUs + kSeventeenMinutesUs;
  per_key.until_us = kDecemberUs + kSeventeenMinutesUs;
  per_key.group_by = UsageQuery::GroupBy::kModel;
  UsageQuery by_model = per_key;
  by_model.key_id.reset();
  UsageQuery by_day;
  by_day.since_us = kStartUs;
  by_day.group_by = UsageQuery::GroupBy::kDay;

  const std::pair<const char*, UsageQuery> reports[] = {
      {"per-key month, by model", per_key}, {"every key, month, by model", by_model}, {"every key, 60 days, by day", by_day}};
  for (const auto& [name, q] : reports) {
    std::vector<double> ms;
    size_t groups = 0;
    for (int run = 0; run < 5; ++run) {
      const auto t0 = std::chrono::steady_clock::now();
      auto report = db.usage(q);
      ms.push_back(seconds_since(t0) * 1e3);
      if (fail(report.status(), name)) return 1;
      groups = report->size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-28s %9.2f ms median of 5 (%zu groups)\n", name, ms[2], groups);
  }
  return 0;
}
