// The real `herd pull` binary against the fixture server: killed at random moments (the store
// must stay consistent and a re-pull must fetch only what is missing), two pulls at once, and
// the command's messages.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "fixture_registry.h"
#include "store/model_store.h"
#include "store/partial_file.h"
#include "store_checks.h"

extern char** environ;

namespace herd::store {
namespace {

namespace fs = std::filesystem;
using testing::FixtureReply;
using testing::FixtureRequest;

class PullCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = (home_.root().parent_path() / ("herd_pull_out_" + std::to_string(getpid()))).string();
  }
  void TearDown() override {
    fs::remove(out_);
    testing::expect_store_sane(home_);
  }

  // Starts herd with $HERD_HOME and $HERD_REGISTRY set; stdout and stderr go to out_.
  pid_t start(const std::vector<std::string>& args) {
    std::vector<std::string> env_strings = {"HERD_HOME=" + home_.home(), "HERD_REGISTRY=" + fx_.url(),
                                            "HERD_HF_ENDPOINT=" + fx_.url()};
    if (!hf_token_.empty()) env_strings.push_back("HF_TOKEN=" + hf_token_);
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string s(*e);
      const bool ours = s.rfind("HERD_HOME=", 0) == 0 || s.rfind("HERD_REGISTRY=", 0) == 0 ||
                        s.rfind("HERD_HF_ENDPOINT=", 0) == 0 || s.rfind("HF_TOKEN=", 0) == 0;
      if (!ours) env_strings.push_back(s);
    }
    std::vector<std::string> argv_strings = {HERD_BIN};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& s : argv_strings) argv.push_back(s.data());
    for (auto& s : env_strings) envp.push_back(s.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execve(HERD_BIN, argv.data(), envp.data());
      _exit(127);
    }
    return pid;
  }
  static int wait_for(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int run_herd(const std::vector<std::string>& args) { return wait_for(start(args)); }
  std::string output() const { return testing::slurp(out_); }

  // Blob bodies trickle out, so that a kill lands mid-download.
  void slow_blobs(int delay_ms) {
    fx_.set_fault([=](const FixtureRequest& req, FixtureReply& r) {
      if (req.target.find("/blobs/") != std::string::npos) {
        r.chunk = 16384;
        r.chunk_delay_ms = delay_ms;
      }
    });
  }
  // What a resume would keep (a split download's file has the blob's size from the start).
  uint64_t bytes_on_disk() const {
    return PartialFile::bytes_kept(home_.layout().partial_path(*Digest::from_hex(fx_.stories().hex)));
  }
  bool pulled() const { return ModelStore(home_.layout()).contains(*ModelRef::parse("stories260K")); }

  // Starts `herd pull stories260K` and kills it at a random moment, `rounds` times; the store
  // must be consistent after each kill. A pull that finished first is wiped, so that later kills
  // land mid-download again.
  void kill_at_random_moments(int rounds, const std::vector<std::string>& extra) {
    std::mt19937 rng(20261207);
    std::uniform_int_distribution<int> when_ms(0, 400);
    std::vector<std::string> args = {"pull", "stories260K", "-q", "--retry-delay-ms", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    int completed = 0, with_partial = 0;
    for (int i = 0; i < rounds; ++i) {
      const pid_t pid = start(args);
      std::this_thread::sleep_for(std::chrono::milliseconds(when_ms(rng)));
      kill(pid, SIGKILL);
      const int code = wait_for(pid);
      ASSERT_TRUE(code == 128 + SIGKILL || code == 0) << "round " << i << ": exit " << code << ": " << output();
      testing::expect_store_sane(home_);
      if (HasFailure()) FAIL() << "round " << i;
      with_partial += bytes_on_disk() > 0 ? 1 : 0;
      if (pulled()) {
        ++completed;
        EXPECT_EQ(model_bytes(), fx_.stories().bytes);
        fs::remove_all(home_.home());
        fs::create_directories(home_.home());
      }
    }
    std::printf("%d kills: %d after the pull completed, %d with part of the blob on disk\n", rounds, completed,
                with_partial);
    EXPECT_GT(with_partial, 0) << "no kill landed mid-download";
  }

  // Kills a pull once some of the blob is on disk; a full pull then fetches only the rest.
  void kill_mid_download_then_resume(const std::vector<std::string>& extra) {
    fs::remove_all(home_.home());
    fs::create_directories(home_.home());
    std::vector<std::string> args = {"pull", "stories260K", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    const pid_t pid = start(args);
    for (int i = 0; i < 2000 && bytes_on_disk() < 100000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill(pid, SIGKILL);
    wait_for(pid);
    ASSERT_TRUE(fx_.server().wait_idle());
    const uint64_t kept = bytes_on_disk();
    ASSERT_FALSE(pulled());
    ASSERT_GT(kept, 0u);
    fx_.server().clear_log();
    ASSERT_EQ(run_herd(args), 0) << output();
    EXPECT_LE(fx_.server().body_bytes_sent(fx_.blob_path(fx_.stories().hex)), fx_.stories().bytes.size() - kept);
    EXPECT_EQ(model_bytes(), fx_.stories().bytes);
  }
  std::string model_bytes() const {
    Result<ResolvedModel> r = ModelStore(home_.layout()).resolve(*ModelRef::parse("stories260K"));
    return r.ok() ? testing::slurp(r->model_path) : "unresolved: " + r.status().to_string();
  }

  testing::TempHome home_;
  testing::FixtureRegistry fx_;
  std::string out_;
  std::string hf_token_;  // HF_TOKEN for the child, when set
};

TEST_F(PullCommandTest, PullsAndSaysSo) {
  ASSERT_EQ(run_herd({"pull", "stories260K"}), 0) << output();
  EXPECT_NE(output().find("pulled stories260K"), std::string::npos) << output();
  const std::string progress = output();
  EXPECT_NE(progress.find("100%"), std::string::npos) << "progress lines when not on a terminal: " << progress;
  size_t model_lines = 0, model_done = 0;
  std::istringstream lines(progress);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("pulling model ", 0) != 0) continue;
    ++model_lines;
    model_done += line.find(" 100% ") != std::string::npos ? 1 : 0;
  }
  EXPECT_GE(model_lines, 5u) << "a line at about every 10 %: " << progress;
  EXPECT_EQ(model_done, 1u) << "the end is said once: " << progress;
  EXPECT_EQ(progress.find('\r'), std::string::npos) << "no bar redrawn in place in a log";
  ASSERT_EQ(run_herd({"pull", "stories260K"}), 0) << output();
  EXPECT_NE(output().find("already in the store"), std::string::npos) << output();
  ASSERT_EQ(run_herd({"pull", "stories260K", "--update", "-q"}), 0) << output();
  EXPECT_EQ(output(), "stories260K is up to date\n");
}

TEST_F(PullCommandTest, PullsFromHuggingFaceWithTheTokenFromTheEnvironment) {
  fx_.require_token("hf_cli_secret");
  EXPECT_NE(run_herd({"pull", "hf.co/test/stories:Q8_0"}), 0) << "no token, no access";
  EXPECT_EQ(output().find("hf_cli_secret"), std::string::npos);
  hf_token_ = "hf_cli_secret";
  ASSERT_EQ(run_herd({"pull", "hf.co/test/stories:Q8_0"}), 0) << output();
  EXPECT_NE(output().find("pulled hf.co/test/stories:Q8_0"), std::string::npos) << output();
  EXPECT_EQ(output().find("hf_cli_secret"), std::string::npos) << "the token is never printed";
  Result<ResolvedModel> r = ModelStore(home_.layout()).resolve(*ModelRef::parse("hf.co/test/stories:Q8_0"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(testing::slurp(r->model_path), fx_.stories().bytes);
  Result<StoreEntry> e = ModelStore(home_.layout()).entry(*ModelRef::parse("hf.co/test/stories:Q8_0"));
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->config.model_family, "llama");
  EXPECT_EQ(e->config.model_type, "293K") << "described with the engine, as herd create does";
}

TEST_F(PullCommandTest, FailuresAreOneLine) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"pull", "--offline", "stories260K"}, {"pull", "../evil"}, {"pull", "nothing-here", "-q"}}) {
    const int code = run_herd(args);
    EXPECT_NE(code, 0);
    EXPECT_LT(code, 128);
    const std::string out = output();
    EXPECT_EQ(out.rfind("herd: error: ", 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  EXPECT_FALSE(pulled());
}

TEST_F(PullCommandTest, SurvivesSigkillAtRandomMomentsAndResumes) {
  slow_blobs(4);
  kill_at_random_moments(50, {});
  kill_mid_download_then_resume({});
}

TEST_F(PullCommandTest, ParallelPartsSurviveSigkillAndResume) {
  slow_blobs(16);  // four streams at once: each slower, so that kills still land mid-download
  const std::vector<std::string> parts = {"--parallel-min-size", "1000", "--parallel-parts", "4"};
  kill_at_random_moments(20, parts);
  kill_mid_download_then_resume(parts);
}

TEST_F(PullCommandTest, TwoConcurrentPullsMakeOneCopy) {
  slow_blobs(2);
  const pid_t a = start({"pull", "stories260K", "-q"});
  const pid_t b = start({"pull", "stories260K", "-q"});
  EXPECT_EQ(wait_for(a), 0);
  EXPECT_EQ(wait_for(b), 0);
  EXPECT_TRUE(pulled());
  EXPECT_EQ(fx_.server().body_bytes_sent(fx_.blob_path(fx_.stories().hex)), fx_.stories().bytes.size())
      << "the blob was downloaded once";
  EXPECT_EQ(testing::count_files(home_.layout().blobs_dir()), 2u);
}

}  // namespace
}  // namespace herd::store
