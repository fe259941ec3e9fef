// The ledger after `herd serve --auth` is SIGKILLed mid-load: every response a client
// received whole is in it exactly once with the usage the client saw; the only other
// rows are requests still in flight when the server died. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "../support/herd_process.h"
#include "../support/postgres_cluster.h"
#include "../support/raw_http.h"
#include "../support/serve_process.h"
#include "../support/shared_data.h"
#include "../support/temp_dir.h"
#include "gateway/gateway_db.h"

namespace herd {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kClients = 8;

struct Received {
  int64_t prompt = 0;
  int64_t completion = 0;
};

// One chat completion; the usage when the whole answer came back with 200.
std::optional<Received> complete(int port, const std::string& key, const std::string& request_id, int i) {
  testing::RawClient c(port);
  if (!c.ok()) return std::nullopt;
  const std::string body = json{{"model", "stories260K"},
                                {"max_tokens", 4 + i % 13},
                                {"messages", {{{"role", "user"}, {"content", "Once upon a time " + std::to_string(i)}}}}}
                               .dump();
  c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer " + key +
         "\r\nx-request-id: " + request_id + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string response = c.read_response(30s);
  if (testing::status_of(response) != 200) return std::nullopt;
  const json answer = json::parse(response.substr(response.find("\r\n\r\n") + 4), nullptr, false);
  if (answer.is_discarded()) return std::nullopt;
  return Received{answer["usage"]["prompt_tokens"].get<int64_t>(), answer["usage"]["completion_tokens"].get<int64_t>()};
}

class GatewayCrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GatewayCrashTest, TheLedgerAfterSigkillHoldsEveryAnswerReceivedOnce) {
  const std::filesystem::path model = testing::shared_dir() / "models" / "stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(model));
  testing::TempDir home;
  const std::string db = GetParam() == "postgres" ? testing::PostgresCluster::shared().fresh_database_uri()
                                                  : home / "gateway.db";
  const std::vector<std::string> env = {"HERD_HOME=" + home.path()};
  testing::Outcome made = testing::run_process(HERD_BIN, {"keys", "create", "--name", "load", "--db", db},
                                               home.path(), env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string key = made.out.substr(0, made.out.find('\n'));
  ASSERT_EQ(key.rfind("herd_", 0), 0u) << made.out;

  testing::ServeProcess server({"-m", model.string(), "--port", "0", "-t", "1", "--no-access-log", "--auth", "--db", db},
                               {{"HERD_HOME", home.path()}});
  ASSERT_TRUE(server.wait_for("ready")) << server.err();
  const int port = server.port();

  std::mutex mu;
  std::map<std::string, Received> received;
  std::atomic<int> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string id = "crash-" + std::to_string(t) + "-" + std::to_string(i);
        std::optional<Received> r = complete(port, key, id, t * 1000 + i);
        if (!r) return;  // the server is gone
        std::lock_guard<std::mutex> lock(mu);
        received[id] = *r;
        ++done;
      }
    });
  }
  // Kill it in the middle of the load, not at a quiet moment.
  for (int i = 0; i < 3000 && done.load() < 200; ++i) std::this_thread::sleep_for(10ms);
  server.signal(SIGKILL);
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_EQ(server.wait_exit(), 128 + SIGKILL);
  ASSERT_GE(received.size(), 200u);

  Result<std::unique_ptr<gateway::GatewayDb>> opened = gateway::open_gateway_db(db);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Result<std::vector<gateway::LedgerRow>> rows = (*opened)->ledger_rows({}, 100'000);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  std::set<std::string> seen;
  int extra = 0;
  for (const gateway::LedgerRow& row : *rows) {
    EXPECT_TRUE(seen.insert(row.request_id).second) << row.request_id << " billed twice";
    auto it = received.find(row.request_id);
    if (it == received.end()) {
      ++extra;  // answered, or nearly, when the server died
      continue;
    }
    EXPECT_EQ(row.status, 200);
    EXPECT_EQ(row.tokens.prompt, it->second.prompt) << row.request_id;
    EXPECT_EQ(row.tokens.completion, it->second.completion) << row.request_id;
  }
  for (const auto& [id, usage] : received) EXPECT_TRUE(seen.count(id)) << id << " answered but not in the ledger";
  EXPECT_LE(extra, kClients);
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayCrashTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace herd
