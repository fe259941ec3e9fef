// `herd serve -m NAME` on store names: a base model and a preset made from it, served
// side by side from a temp $HERD_HOME; the preset's params and system prompt shape the
// requests that name it.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../support/herd_process.h"
#include "../support/serve_process.h"
#include "../support/shared_data.h"
#include "../support/temp_dir.h"

namespace herd {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json post_json(int port, const std::string& path, const json& body) {
  const auto [status, text] = testing::http_call(port, path, body.dump());
  if (status != 200) return {{"failed", std::to_string(status) + " " + text}};
  return json::parse(text, nullptr, false);
}

// $HERD_HOME for the children this test starts, restored after.
class HerdHome {
 public:
  explicit HerdHome(const std::string& path) {
    if (const char* old = getenv("HERD_HOME")) old_ = old;
    setenv("HERD_HOME", path.c_str(), 1);
  }
  ~HerdHome() {
    if (old_.empty()) {
      unsetenv("HERD_HOME");
    } else {
      setenv("HERD_HOME", old_.c_str(), 1);
    }
  }

 private:
  std::string old_;
};

// The shared stories260K as "stories" in the store `env` names.
void create_stories(const testing::TempDir& work, const testing::TempDir& scratch, const std::vector<std::string>& env) {
  const std::string stories = (testing::shared_dir() / "models" / "stories260K.gguf").string();
  ASSERT_TRUE(std::filesystem::exists(stories)) << "the shared test data (../shared) is missing";
  std::ofstream(work / "Herdfile") << "FROM " + stories + "\n";
  const testing::Outcome made = testing::run_process(HERD_BIN, {"create", "stories", "-f", work / "Herdfile"}, scratch.path(), env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
}

TEST(ServeStoreTest, ABaseModelAndItsPresetServedByName) {
  testing::TempDir home, work, scratch;
  const std::vector<std::string> env = {"HERD_HOME=" + home.path()};
  ASSERT_NO_FATAL_FAILURE(create_stories(work, scratch, env));
  std::ofstream(work / "Teller") << "FROM stories\nSYSTEM Tell a story about a cat.\nPARAMETER temperature 0\n"
                                    "PARAMETER num_predict 6\n";
  const testing::Outcome made = testing::run_process(HERD_BIN, {"create", "me/teller:v1", "-f", work / "Teller"},
                                                     scratch.path(), env);
  ASSERT_EQ(made.exit_code, 0) << made.err;

  HerdHome herd_home(home.path());
  testing::ServeProcess server({"-m", "stories", "-m", "me/teller:v1", "--port", "0", "-t", "1", "--no-access-log"});
  ASSERT_TRUE(server.wait_for("ready")) << server.err();
  const int port = server.port();

  const json chat = {{"role", "user"}, {"content", "Hi"}};
  const json base = post_json(port, "/v1/chat/completions", {{"model", "stories"}, {"messages", {chat}}, {"max_tokens", 6}});
  const json a = post_json(port, "/v1/chat/completions", {{"model", "me/teller:v1"}, {"messages", {chat}}});
  const json b = post_json(port, "/v1/chat/completions", {{"model", "registry.ollama.ai/me/teller:v1"}, {"messages", {chat}}});
  ASSERT_TRUE(base.contains("usage")) << base.dump();
  ASSERT_TRUE(a.contains("usage")) << a.dump();
  ASSERT_TRUE(b.contains("usage")) << b.dump();
  EXPECT_EQ(a["model"], "me/teller:v1");
  // num_predict 6 and temperature 0 from the preset: at most 6 tokens, the same twice.
  EXPECT_LE(a["usage"]["completion_tokens"].get<int>(), 6);
  EXPECT_EQ(a["choices"][0]["message"]["content"], b["choices"][0]["message"]["content"]);
  // Its system prompt comes first: the same conversation is longer through the preset.
  EXPECT_GT(a["usage"]["prompt_tokens"].get<int>(), base["usage"]["prompt_tokens"].get<int>() + 5);

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}


// No -m: every model in the store is served, and one created while the server runs
// answers too; one removed goes away.
TEST(ServeStoreTest, WithoutAModelItServesTheStoreAsItChanges) {
  testing::TempDir home, work, scratch;
  const std::vector<std::string> env = {"HERD_HOME=" + home.path()};
  ASSERT_NO_FATAL_FAILURE(create_stories(work, scratch, env));

  testing::ServeProcess server({"--port", "0", "-t", "1", "--no-access-log"}, {{"HERD_HOME", home.path()}});
  ASSERT_TRUE(server.wait_for("ready")) << server.err();
  const int port = server.port();
  auto listed = [&] {
    const auto [status, text] = testing::http_call(port, "/v1/models");
    EXPECT_EQ(status, 200) << text;
    const json models = json::parse(text);
    std::vector<std::string> ids;
    for (const json& m : models["data"]) ids.push_back(m["id"]);
    return ids;
  };
  EXPECT_EQ(listed(), std::vector<std::string>{"stories"});
  const json prompt = {{"prompt", "Once"}, {"max_tokens", 5}, {"temperature", 0}};
  json a = prompt;
  a["model"] = "stories";
  const json first = post_json(port, "/v1/completions", a);
  ASSERT_TRUE(first.contains("choices")) << first.dump();

  std::ofstream(work / "Later") << "FROM stories\nPARAMETER top_k 1\n";
  ASSERT_EQ(testing::run_process(HERD_BIN, {"create", "later", "-f", work / "Later"}, scratch.path(), env).exit_code, 0);
  std::this_thread::sleep_for(1200ms);  // the pool re-reads the store at most once a second
  json b = prompt;
  b["model"] = "later";
  const json second = post_json(port, "/v1/completions", b);
  ASSERT_TRUE(second.contains("choices")) << second.dump();
  EXPECT_EQ(second["choices"][0]["text"], first["choices"][0]["text"]);  // the same weights, greedy

  ASSERT_EQ(testing::run_process(HERD_BIN, {"rm", "later"}, scratch.path(), env).exit_code, 0);
  std::this_thread::sleep_for(1200ms);  // the pool re-reads the store at most once a second
  EXPECT_EQ(listed(), std::vector<std::string>{"stories"});

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

}  // namespace
}  // namespace herd
