// Issue 12's test of the model pool: three different models served at once under a
// --models-memory budget that holds only two, with concurrent clients on all three.
// Every answer must be the greedy continuation `herd run` gives on the same model and
// prompt, and /metrics must show the evictions that the budget forced.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../support/serve_process.h"
#include "../support/shared_data.h"

namespace herd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ServeProcess;

constexpr const char* kPrompt = "Once upon a time";
constexpr int kTokens = 12;
constexpr uint64_t kKvBytes = 1u << 20;  // --kv-memory 1M per model

// `herd run`'s stdout: the prompt and its greedy continuation, then a newline.
std::string herd_run(const std::string& model) {
  const std::string cmd = std::string("'") + HERD_BIN + "' run -m '" + model + "' -p '" + kPrompt + "' -n " +
                          std::to_string(kTokens) + " --temp 0 -t 1 -c 256 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  return pclose(pipe) == 0 ? out : std::string();
}

// The sum of a metric's samples over all its label sets.
int64_t metric_sum(const std::string& text, const std::string& name) {
  const std::regex line("^" + name + R"((\{[^}]*\})? ([0-9]+)$)");
  int64_t sum = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::smatch m;
    const std::string l = text.substr(start, end - start);
    if (std::regex_match(l, m, line)) sum += std::stoll(m[2].str());
    start = end + 1;
  }
  return sum;
}

TEST(ServePoolTest, ThreeModelsUnderABudgetForTwoAnswerConcurrentClientsExactly) {
  const fs::path shared = testing::shared_dir();
  const std::vector<std::pair<std::string, fs::path>> models = {
      {"stories260K", shared / "models" / "stories260K.gguf"},
      {"llama-tiny-F16", shared / "reference" / "logits" / "llama-tiny-F16.gguf"},
      {"qwen2-tiny-F16", shared / "reference" / "logits" / "qwen2-tiny-F16.gguf"},
  };
  uint64_t total = 0, smallest = UINT64_MAX;
  for (const auto& [id, path] : models) {
    ASSERT_TRUE(fs::exists(path)) << "needs " << path;
    const uint64_t bytes = fs::file_size(path) + kKvBytes;
    total += bytes;
    smallest = std::min(smallest, bytes);
  }
  // Any two fit (their sum is at most total - smallest); all three never do.
  const uint64_t budget = total - smallest / 2;

  std::map<std::string, std::string> expected;  // id -> herd run's continuation
  for (const auto& [id, path] : models) {
    const std::string out = herd_run(path.string());
    ASSERT_EQ(out.rfind(kPrompt, 0), 0u) << id << ": " << out;
    expected[id] = out.substr(std::string(kPrompt).size(), out.size() - std::string(kPrompt).size() - 1);
    ASSERT_FALSE(expected[id].empty()) << id;
  }
  // Genuinely different models: their answers differ.
  ASSERT_NE(expected["stories260K"], expected["llama-tiny-F16"]);
  ASSERT_NE(expected["llama-tiny-F16"], expected["qwen2-tiny-F16"]);

  std::vector<std::string> args = {"--port", "0", "--models-memory", std::to_string(budget), "--kv-memory", "1M",
                                   "-c", "256", "-t", "1", "--parallel", "2", "--no-access-log"};
  for (const auto& [id, path] : models) {
    args.push_back("-m");
    args.push_back(path.string());
  }
  ServeProcess server(args);
  ASSERT_TRUE(server.wait_for("ready")) << server.err();
  const int port = server.port();
  ASSERT_GT(port, 0) << server.err();

  // Two clients per model, three requests each, all at once.
  std::mutex mu;
  std::vector<std::string> failures;
  int answered = 0;
  std::vector<std::thread> clients;
  for (int k = 0; k < 2; ++k) {
    for (const auto& [id, path] : models) {
      clients.emplace_back([&, id = id] {
        for (int i = 0; i < 3; ++i) {
          const nlohmann::json body = {{"model", id}, {"prompt", kPrompt}, {"max_tokens", kTokens}, {"temperature", 0}};
          const auto [status, text] = testing::http_call(port, "/v1/completions", body.dump());
          std::lock_guard<std::mutex> lock(mu);
          if (status != 200) {
            failures.push_back(id + ": HTTP " + std::to_string(status) + " " + text);
            continue;
          }
          const nlohmann::json answer = nlohmann::json::parse(text, nullptr, false);
          const std::string got = answer.is_discarded() ? "(not JSON)" : answer["choices"][0]["text"].get<std::string>();
          if (got != expected[id]) failures.push_back(id + ": got \"" + got + "\", herd run says \"" + expected[id] + "\"");
          if (!answer.is_discarded() && answer["model"] != id) failures.push_back(id + ": answered as " + answer["model"].dump());
          ++answered;
        }
      });
    }
  }
  for (std::thread& t : clients) t.join();
  for (const std::string& f : failures) ADD_FAILURE() << f;
  EXPECT_EQ(answered, 18);

  const std::string metrics = testing::http_call(port, "/metrics").second;
  // Three models took turns in room for two: some were evicted, and never were all in.
  EXPECT_GE(metric_sum(metrics, "herd_model_evictions_total"), 1) << metrics;
  EXPECT_GE(metric_sum(metrics, "herd_model_loads_total"), 3) << metrics;
  EXPECT_LE(metric_sum(metrics, "herd_models_loaded"), 2) << metrics;
  const std::string listed = testing::http_call(port, "/v1/models").second;
  for (const auto& [id, path] : models) EXPECT_NE(listed.find("\"" + id + "\""), std::string::npos) << listed;

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST(ServePoolTest, FlagsAreChecked) {
  const std::string stories = (testing::shared_dir() / "models" / "stories260K.gguf").string();
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"-m", stories, "--keep-alive", "soon"},
           {"-m", stories, "--models-memory", "lots"},
           {"-m", stories, "--pin", "nope"},
           {"-m", stories, "-m", stories},  // two models of one name
       }) {
    std::vector<std::string> args = bad;
    args.insert(args.end(), {"--port", "0"});
    ServeProcess p(args);
    const int code = p.wait_exit();
    EXPECT_GT(code, 0) << bad[2];
    EXPECT_LT(code, 128) << p.err();
    EXPECT_EQ(p.err().rfind("herd: error: ", 0), 0u) << p.err();
    EXPECT_EQ(p.err().find("listening"), std::string::npos) << p.err();
  }
}

}  // namespace
}  // namespace herd
