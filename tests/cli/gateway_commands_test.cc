// herd keys, prices and usage as real processes on a temp $HERD_HOME: the key is printed
// once and found nowhere after; bad input fails with one line; usage totals equal the
// ledger rows written through GatewayDb::settle. Each test runs on SQLite (the default
// $HERD_HOME/gateway.db) and on a throwaway PostgreSQL cluster (HERD_GATEWAY_DB).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "../support/herd_process.h"
#include "../support/postgres_cluster.h"
#include "../support/temp_dir.h"
#include "gateway/gateway_home.h"

namespace herd {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Backend { kSqlite, kPostgres };

class GatewayCommandsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      testing::PostgresCluster& pg = testing::PostgresCluster::shared();
      ASSERT_TRUE(pg.ok()) << pg.error();
      db_ = pg.fresh_database_uri();
      ASSERT_FALSE(db_.empty()) << pg.last_command_error();
    }
  }

  // A home that does not exist yet: the first command makes it.
  std::string home() const { return root_ / "home"; }

  testing::Outcome herd(const std::vector<std::string>& args) {
    return testing::run_process(HERD_BIN, args, scratch_.path(),
                                {"HERD_HOME=" + home(), "HERD_GATEWAY_DB=" + db_, "HERD_GATEWAY_SECRET_FILE="});
  }
  // Runs a command that must succeed; returns its stdout.
  std::string ok(const std::vector<std::string>& args) {
    const testing::Outcome o = herd(args);
    EXPECT_EQ(o.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << o.err;
    seen_ += o.out + o.err;
    return o.out;
  }
  // A command that must fail with one line on stderr.
  void refused(const std::vector<std::string>& args) {
    const testing::Outcome o = herd(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_NE(o.exit_code, 0) << line << "succeeded: " << o.out;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << line << o.err;
    EXPECT_TRUE(o.out.empty()) << line << o.out;
    seen_ += o.out + o.err;
  }
  std::string create_key(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"keys", "create"};
    args.insert(args.end(), extra.begin(), extra.end());
    const testing::Outcome o = herd(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_TRUE(std::regex_match(o.out, std::regex("herd_[0-9A-Za-z]{43}\n"))) << "stdout: " << o.out;
    seen_ += o.err;  // stdout is the key: everything else must not hold it
    return o.out.substr(0, o.out.size() - 1);
  }
  gateway::OpenedGateway open() {
    Result<gateway::OpenedGateway> gw = gateway::open_gateway(gateway::resolve_gateway_location(home(), db_, ""));
    EXPECT_TRUE(gw.ok()) << gw.status().to_string();
    return std::move(gw).value();
  }
  std::string db_bytes() const {
    std::string all;
    for (const char* f : {"gateway.db", "gateway.db-wal"}) {
      if (fs::exists(home() + "/" + f)) all += testing::slurp(home() + "/" + f);
    }
    return all;
  }

  testing::TempDir root_, scratch_, work_;
  std::string db_;    // "": SQLite in the home; else a PostgreSQL URI
  std::string seen_;  // everything the commands printed besides the new keys
};

TEST_P(GatewayCommandsTest, KeysRoundTripAndTheKeyIsPrintedOnce) {
  const std::string key = create_key({"--name", "team-a", "--rpm", "60", "--tpm", "1000", "--budget", "25.50",
                                      "--period", "month", "--models", "m1,me/tiny:q8"});
  const std::string other = create_key({"--name", "ops", "--admin"});
  EXPECT_NE(key, other);

  struct stat st {};
  ASSERT_EQ(::stat(home().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((home() + "/gateway.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  json list = json::parse(ok({"keys", "list", "--format", "json"}));
  ASSERT_EQ(list.size(), 2u);
  const json a = list[0]["name"] == "team-a" ? list[0] : list[1];  // a copy: list is read again below
  EXPECT_EQ(a["prefix"], key.substr(0, 11));
  EXPECT_EQ(a["rpm"], 60);
  EXPECT_EQ(a["tpm"], 1000);
  EXPECT_EQ(a["budget"], "25.5");
  EXPECT_EQ(a["period"], "month");
  EXPECT_EQ(a["models"], json::array({"m1", "me/tiny:q8"}));
  EXPECT_EQ(a["admin"], false);
  EXPECT_TRUE(a["revoked"].is_null());
  EXPECT_FALSE(a.contains("hash"));

  const std::string table = ok({"keys", "list"});
  EXPECT_NE(table.find("team-a"), std::string::npos);
  EXPECT_NE(table.find(key.substr(0, 11)), std::string::npos);

  // By name, by id and by display prefix.
  json shown = json::parse(ok({"keys", "show", "team-a"}));
  EXPECT_EQ(shown["spent"], "0");
  EXPECT_EQ(json::parse(ok({"keys", "show", std::to_string(a["id"].get<int64_t>())}))["name"], "team-a");
  EXPECT_EQ(json::parse(ok({"keys", "show", key.substr(0, 11)}))["name"], "team-a");

  ok({"keys", "update", "team-a", "--rpm", "120", "--models", ""});
  shown = json::parse(ok({"keys", "show", "team-a"}));
  EXPECT_EQ(shown["rpm"], 120);
  EXPECT_EQ(shown["tpm"], 1000);  // untouched
  EXPECT_EQ(shown["models"], json::array());
  EXPECT_EQ(shown["budget"], "25.5");
  ok({"keys", "update", "team-a", "--no-budget", "--admin"});
  shown = json::parse(ok({"keys", "show", "team-a"}));
  EXPECT_TRUE(shown["budget"].is_null());
  EXPECT_EQ(shown["period"], "none");
  EXPECT_EQ(shown["admin"], true);
  ok({"keys", "update", "team-a", "--budget", "3", "--period", "day"});
  EXPECT_EQ(json::parse(ok({"keys", "show", "team-a"}))["budget"], "3");

  ok({"keys", "revoke", "team-a"});
  list = json::parse(ok({"keys", "list", "--format", "json"}));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "ops");
  list = json::parse(ok({"keys", "list", "--all", "--format", "json"}));
  ASSERT_EQ(list.size(), 2u);
  const std::string revoked_id = std::to_string(a["id"].get<int64_t>());
  refused({"keys", "revoke", revoked_id});              // revoked already
  refused({"keys", "update", revoked_id, "--rpm", "1"});  // a revoked key stays as it was
  // The name is free again once its key is revoked.
  const std::string again = create_key({"--name", "team-a"});

  // Shown once: no other output, and not the database, holds a key or its hash.
  Result<gateway::KeyHasher> hasher = gateway::KeyHasher::load_or_create(home() + "/gateway.secret");
  ASSERT_TRUE(hasher.ok());
  const std::string bytes = db_bytes();
  ASSERT_EQ(bytes.empty(), GetParam() == Backend::kPostgres);
  for (const std::string& k : {key, other, again}) {
    EXPECT_EQ(seen_.find(k), std::string::npos);
    EXPECT_EQ(seen_.find(k.substr(11)), std::string::npos);
    EXPECT_EQ(seen_.find(hasher->hash(k)), std::string::npos);
    EXPECT_EQ(bytes.find(k.substr(11)), std::string::npos);
  }
}

TEST_P(GatewayCommandsTest, BadInputFailsWithOneLine) {
  refused({"keys", "create", "--name", "bad name"});
  refused({"keys", "create", "--name", ""});
  refused({"keys", "create", "--name", std::string(65, 'a')});
  refused({"keys", "create", "--name", "x", "--budget", "1.2.3", "--period", "day"});
  refused({"keys", "create", "--name", "x", "--budget", "-5", "--period", "day"});
  refused({"keys", "create", "--name", "x", "--budget", "10"});
  refused({"keys", "create", "--name", "x", "--period", "month"});
  refused({"keys", "create", "--name", "x", "--budget", "10", "--period", "week"});
  refused({"keys", "create", "--name", "x", "--rpm", "-1"});
  refused({"keys", "create", "--name", "x", "--rpm", "many"});
  refused({"keys", "create", "--name", "x", "--models", "a,,b"});
  refused({"keys", "create", "--name", "x", "--models", "a, b"});
  refused({"keys", "create"});
  const std::string key = create_key({"--name", "x"});
  refused({"keys", "create", "--name", "x"});  // taken
  refused({"keys", "show", "nobody"});
  refused({"keys", "show", "999"});
  refused({"keys", "update", "x", "--no-budget", "--budget", "1"});
  refused({"keys", "list", "--format", "xml"});
  // A key typed where a reference, a name, a model or nothing goes is refused and never echoed.
  refused({"keys", "show", key});
  refused({"keys", "show", "x", key});
  refused({"keys", "create", "--name", key});
  refused({"keys", "create", "--name", "y", "--models", "m1," + key});
  refused({"prices", "set", key, "--input", "1", "--output", "1"});
  refused({"usage", "--key", key});
  refused({"usage", "--model", key});
  refused({"prices", "set", "m", "--input", "0.1"});
  refused({"prices", "set", "m", "--input", "1e-3", "--output", "1"});
  refused({"prices", "set", "bad model", "--input", "1", "--output", "1"});
  refused({"prices", "rm", "never-priced"});
  refused({"prices", "load", work_ / "missing.json"});
  refused({"usage", "--by", "week"});
  refused({"usage", "--format", "xml"});
  refused({"usage", "--since", "last tuesday"});
  refused({"usage", "--since", "2026-12-02", "--until", "2026-12-01"});
  refused({"usage", "--key", "nobody"});
  refused({"keys"});
  refused({"prices"});
  EXPECT_EQ(seen_.find(key.substr(5)), std::string::npos);
}

TEST_P(GatewayCommandsTest, PricesSetListLoadRemove) {
  ok({"prices", "set", "qwen2.5:7b", "--input", "0.15", "--cached-input", "0.075", "--output", "0.6"});
  json list = json::parse(ok({"prices", "list", "--format", "json"}));
  EXPECT_EQ(list, json::parse(R"({"qwen2.5:7b": {"input": "0.15", "cached_input": "0.075", "output": "0.6"}})"));

  const std::string file = work_ / "prices.json";
  std::ofstream(file) << R"({"me/tiny:q8": {"input": "1", "output": "2.000001"},
                            "qwen2.5:7b": {"input": "0.2", "cached_input": "0.1", "output": "0.8"}})";
  ok({"prices", "load", file});
  list = json::parse(ok({"prices", "list", "--format", "json"}));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list["me/tiny:q8"]["cached_input"], "1");
  EXPECT_EQ(list["me/tiny:q8"]["output"], "2.000001");
  EXPECT_EQ(list["qwen2.5:7b"]["input"], "0.2");
  const std::string table = ok({"prices", "list"});
  EXPECT_NE(table.find("2.000001"), std::string::npos);
  EXPECT_EQ(table.rfind("MODEL", 0), 0u);

  // A bad file changes nothing, even its good entries.
  std::ofstream(file) << R"({"a": {"input": "5", "output": "5"}, "b": {"input": 0.1, "output": "1"}})";
  refused({"prices", "load", file});
  EXPECT_EQ(json::parse(ok({"prices", "list", "--format", "json"})), list);

  ok({"prices", "rm", "me/tiny:q8"});
  list = json::parse(ok({"prices", "list", "--format", "json"}));
  EXPECT_EQ(list.size(), 1u);
  EXPECT_FALSE(list.contains("me/tiny:q8"));
}

struct Sums {
  int64_t requests = 0, prompt = 0, cached = 0, completion = 0, cost = 0;
  void add(const gateway::LedgerRow& r) {
    ++requests;
    prompt += r.tokens.prompt;
    cached += r.tokens.cached_prompt;
    completion += r.tokens.completion;
    cost += r.cost;
  }
};

void expect_totals(const json& t, const Sums& s, const std::string& what) {
  EXPECT_EQ(t["requests"], s.requests) << what;
  EXPECT_EQ(t["prompt_tokens"], s.prompt) << what;
  EXPECT_EQ(t["cached_prompt_tokens"], s.cached) << what;
  EXPECT_EQ(t["completion_tokens"], s.completion) << what;
  EXPECT_EQ(t["cost_micros"], s.cost) << what;
  EXPECT_EQ(t["cost"], gateway::format_amount(s.cost)) << what;
}

TEST_P(GatewayCommandsTest, UsageTotalsEqualTheLedgerRows) {
  create_key({"--name", "team-a"});
  create_key({"--name", "team-b"});
  const json keys = json::parse(ok({"keys", "list", "--format", "json"}));
  std::map<std::string, int64_t> id;
  for (const json& k : keys) id[k["name"]] = k["id"];

  // 2026-12-01T10:00:00Z onward, rows 40 minutes apart: they span days and hours.
  const int64_t t0 = int64_t{1'796'119'200} * 1'000'000;
  std::map<std::string, Sums> by_key, by_model, by_day;
  Sums all, a_only, window;
  {
    gateway::OpenedGateway gw = open();
    for (int i = 0; i < 60; ++i) {
      gateway::LedgerRow row;
      row.time = t0 + int64_t{i} * 40 * 60 * 1'000'000;
      row.request_id = "req-" + std::to_string(i);
      row.key_id = id[i % 3 == 0 ? "team-b" : "team-a"];
      row.model = i % 2 == 0 ? "m1" : "me/tiny:q8";
      row.route = "/v1/chat/completions";
      row.tokens = {100 + i, i % 4 == 0 ? 50 : 0, 7 * i};
      row.cost = 1000 * i + 3;
      row.status = 200;
      Result<bool> written = gw.db->settle(gateway::Reservation{}, row);
      ASSERT_TRUE(written.ok()) << written.status().to_string();
      ASSERT_TRUE(*written);
      all.add(row);
      by_key[i % 3 == 0 ? "team-b" : "team-a"].add(row);
      by_model[row.model].add(row);
      const int64_t day = (row.time / 1'000'000 - 1'796'083'200) / 86'400;  // days after 2026-12-01
      by_day["2026-12-0" + std::to_string(1 + day)].add(row);
      if (i % 3 != 0) a_only.add(row);
      if (row.time >= t0 + int64_t{3600} * 1'000'000 && row.time < t0 + int64_t{7200} * 1'000'000) window.add(row);
    }
  }
  ASSERT_EQ(by_day.size(), 3u);  // 60 rows 40 minutes apart from 10:00: Dec 1, 2 and 3

  json j = json::parse(ok({"usage", "--format", "json"}));
  expect_totals(j["total"], all, "all");
  j = json::parse(ok({"usage", "--by", "key", "--format", "json"}));
  ASSERT_EQ(j["data"].size(), 2u);
  for (const json& g : j["data"]) expect_totals(g, by_key[g["group"]], g["group"]);
  expect_totals(j["total"], all, "by key");
  j = json::parse(ok({"usage", "--by", "model", "--format", "json"}));
  ASSERT_EQ(j["data"].size(), 2u);
  for (const json& g : j["data"]) expect_totals(g, by_model[g["group"]], g["group"]);
  j = json::parse(ok({"usage", "--by", "day", "--format", "json"}));
  ASSERT_EQ(j["data"].size(), 3u);
  for (const json& g : j["data"]) expect_totals(g, by_day[g["group"]], g["group"]);
  j = json::parse(ok({"usage", "--key", "team-a", "--format", "json"}));
  expect_totals(j["total"], a_only, "team-a");
  j = json::parse(ok({"usage", "--since", "2026-12-01T11:00:00Z", "--until", "2026-12-01T12:00:00Z", "--format",
                      "json"}));
  expect_totals(j["total"], window, "one hour");

  // CSV: a header, then one line per model whose columns add up to the totals.
  const std::string csv = ok({"usage", "--by", "model", "--format", "csv"});
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "model,requests,prompt_tokens,cached_prompt_tokens,completion_tokens,cost\r");
  Sums csv_sum;
  int lines = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream cs(line.substr(0, line.size() - 1));
    for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
    ASSERT_EQ(cells.size(), 6u) << line;
    EXPECT_EQ(std::stoll(cells[1]), by_model[cells[0]].requests);
    EXPECT_EQ(cells[5], gateway::format_amount(by_model[cells[0]].cost));
    csv_sum.requests += std::stoll(cells[1]);
    csv_sum.completion += std::stoll(cells[4]);
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  EXPECT_EQ(csv_sum.requests, all.requests);
  EXPECT_EQ(csv_sum.completion, all.completion);

  // Table: ends with the total.
  const std::string table = ok({"usage", "--by", "key"});
  EXPECT_NE(table.find("team-a"), std::string::npos);
  const size_t total_at = table.rfind("TOTAL");
  ASSERT_NE(total_at, std::string::npos) << table;
  const std::string total_line = table.substr(total_at);
  EXPECT_NE(total_line.find(" " + std::to_string(all.requests) + " "), std::string::npos) << total_line;
  EXPECT_NE(total_line.find(gateway::format_amount(all.cost)), std::string::npos) << total_line;
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayCommandsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace herd
