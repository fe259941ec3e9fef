// `herd push` from one store to a real `herd serve --push-key` with another store: the
// remote ends up with the same manifest and blobs, byte for byte; a wrong key writes
// nothing and never shows up in output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "../support/herd_process.h"
#include "../support/serve_process.h"
#include "../support/shared_data.h"
#include "../support/store_model.h"
#include "../support/temp_dir.h"

namespace herd {
namespace {

namespace fs = std::filesystem;
using testing::Outcome;
using testing::ServeProcess;

const std::string kKey = "the remote's push key, long enough";

store::ModelRef ref(const std::string& name) { return *store::ModelRef::parse(name); }

class PushCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stories_ = (testing::shared_dir() / "models" / "stories260K.gguf").string();
    gguf_ = testing::read_whole_file(stories_);
    ASSERT_GT(gguf_.size(), 1000u) << "the shared test data (../shared) is missing";
    local_model_ = testing::put_test_model(store::StoreLayout(local_.path()), ref("stories260K"), gguf_);
  }

  Outcome push(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"push"};
    all.insert(all.end(), args.begin(), args.end());
    return testing::run_process(HERD_BIN, all, scratch_.path(), {"HERD_HOME=" + local_.path()});
  }

  testing::TempDir local_, remote_, scratch_;
  std::string stories_;
  std::string gguf_;
  testing::StoredTestModel local_model_;
};

TEST_F(PushCommandTest, PushedModelArrivesByteForByte) {
  ServeProcess serve({"-m", stories_, "--port", "0"}, {{"HERD_HOME", remote_.path()}, {"HERD_SERVE_PUSH_KEY", kKey}});
  ASSERT_TRUE(serve.wait_for("ready")) << serve.err();
  EXPECT_NE(serve.err().find("accepting pushes"), std::string::npos) << serve.err();
  const std::string target = "http://127.0.0.1:" + std::to_string(serve.port()) + "/me/stories:v1";

  Outcome o = push({"stories260K", target, "--key", kKey});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("pushed stories260K"), std::string::npos) << o.out;
  EXPECT_NE(o.err.find(std::to_string(gguf_.size()) + " bytes  pushed"), std::string::npos) << o.err;

  const store::StoreLayout remote(remote_.path());
  const store::ModelRef pushed = ref("me/stories:v1");
  EXPECT_EQ(testing::read_whole_file(remote.manifest_path(pushed)), local_model_.manifest);
  const store::StoreLayout local(local_.path());
  for (const store::Descriptor& d : {local_model_.config, local_model_.model}) {
    ASSERT_TRUE(fs::exists(remote.blob_path(d.digest))) << d.digest.to_string();
    EXPECT_TRUE(testing::read_whole_file(remote.blob_path(d.digest)) == testing::read_whole_file(local.blob_path(d.digest)));
  }
  EXPECT_TRUE(fs::is_empty(remote.tmp_dir()) || std::none_of(fs::directory_iterator(remote.tmp_dir()), fs::directory_iterator(),
              [](const fs::directory_entry& e) { return e.path().filename().string().rfind("upload-", 0) == 0; }));

  // Again: the remote has every blob, so only the manifest goes.
  Outcome again = push({"stories260K", target, "--key", kKey});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 2) << again.err;
  EXPECT_NE(again.err.find("already there"), std::string::npos) << again.err;

  EXPECT_EQ(serve.err().find(kKey), std::string::npos) << "the key never appears in the server's log";
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(), 0) << serve.err();
  EXPECT_EQ(serve.err().find(kKey), std::string::npos);
}

TEST_F(PushCommandTest, AWrongKeyIsRefusedAndWritesNothing) {
  ServeProcess serve({"-m", stories_, "--port", "0"}, {{"HERD_HOME", remote_.path()}, {"HERD_SERVE_PUSH_KEY", kKey}});
  ASSERT_TRUE(serve.wait_for("ready")) << serve.err();
  const std::string wrong = "not the key, though long enough";
  Outcome o = push({"stories260K", "http://127.0.0.1:" + std::to_string(serve.port()) + "/me/stories", "--key", wrong});
  EXPECT_NE(o.exit_code, 0);
  EXPECT_LT(o.exit_code, 128);
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  EXPECT_NE(o.err.find("401"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find(wrong), std::string::npos) << "the key is never printed";
  const store::StoreLayout remote(remote_.path());
  EXPECT_FALSE(fs::exists(remote.manifest_path(ref("me/stories"))));
  EXPECT_FALSE(fs::exists(remote.blob_path(local_model_.model.digest)));
}

TEST_F(PushCommandTest, BadArgumentsAreOneLineErrors) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"stories260K", "me/stories"},  // no scheme: the key would go to the default registry
        {"stories260K", "ftp://127.0.0.1:1/me/stories"},
        {"not-in-the-store", "http://127.0.0.1:1/me/stories"},
        {"stories260K", "http://127.0.0.1:1/me/stories"}}) {  // nothing listens on port 1
    Outcome o = push(args);
    EXPECT_NE(o.exit_code, 0) << args[1];
    EXPECT_LT(o.exit_code, 128) << args[1];
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    EXPECT_EQ(o.err.rfind("herd: error: ", 0), 0u) << o.err;
  }
}

TEST_F(PushCommandTest, AShortServeKeyIsRefusedAtStart) {
  ServeProcess serve({"-m", stories_, "--port", "0", "--push-key", "short"}, {{"HERD_HOME", remote_.path()}});
  EXPECT_GT(serve.wait_exit(), 0);
  EXPECT_NE(serve.err().find("at least 16"), std::string::npos) << serve.err();
  EXPECT_EQ(serve.err().find("listening"), std::string::npos) << serve.err();
}

// The client's key in the environment does not make a server a push target.
TEST_F(PushCommandTest, TheClientsKeyVariableDoesNotOpenAServer) {
  ServeProcess serve({"-m", stories_, "--port", "0"}, {{"HERD_HOME", remote_.path()}, {"HERD_PUSH_KEY", kKey}});
  ASSERT_TRUE(serve.wait_for("ready")) << serve.err();
  EXPECT_EQ(serve.err().find("accepting pushes"), std::string::npos) << serve.err();
  Outcome o = push({"stories260K", "http://127.0.0.1:" + std::to_string(serve.port()) + "/me/stories", "--key", kKey});
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.err.find("403"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(store::StoreLayout(remote_.path()).manifest_path(ref("me/stories"))));
}

}  // namespace
}  // namespace herd
