// herd create, list, show, cp, rm and store names in run, as real processes on a temp store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/herd_process.h"
#include "../support/shared_data.h"
#include "../support/temp_dir.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class StoreCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { stories_ = (testing::shared_dir() / "models" / "stories260K.gguf").string(); }

  testing::Outcome herd(const std::vector<std::string>& args) {
    return testing::run_process(HERD_BIN, args, scratch_.path(), {"HERD_HOME=" + home_.path()});
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(work_ / name) << text; }
  int blob_count() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(home_ / "models/blobs")) n += e.is_regular_file();
    return n;
  }

  testing::TempDir home_, work_, scratch_;
  std::string stories_;
};

TEST_F(StoreCommandsTest, CreateListShowRunCopyRemove) {
  ASSERT_TRUE(fs::exists(stories_)) << "the shared test data (../shared) is missing";
  write("Herdfile", "FROM " + stories_ + "\n");
  testing::Outcome o = herd({"create", "stories", "-f", work_ / "Herdfile"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  write("Teller", "FROM stories\nSYSTEM Tell stories.\nPARAMETER temperature 0\nPARAMETER num_predict 12\n");
  o = herd({"create", "me/teller:v1", "-f", work_ / "Teller"});
  ASSERT_EQ(o.exit_code, 0) << o.err;

  o = herd({"list", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json list = nlohmann::json::parse(o.out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "stories");  // sorted by full name: library/ before me/
  EXPECT_EQ(list[1]["name"], "me/teller:v1");
  EXPECT_EQ(list[0]["family"], "llama");
  EXPECT_EQ(list[0]["quantization"], "F32");
  EXPECT_GT(list[0]["size"].get<uint64_t>(), fs::file_size(stories_));

  o = herd({"show", "me/teller:v1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json show = nlohmann::json::parse(o.out);
  EXPECT_EQ(show["system"], "Tell stories.");
  EXPECT_EQ(show["parameters"]["num_predict"], 12);
  EXPECT_EQ(show["metadata"]["vocab_size"], 512);
  EXPECT_EQ(show["metadata"]["architecture"], "llama");

  // The preset's parameters (greedy, 12 tokens) apply to run; the result equals the file's.
  const testing::Outcome by_name = herd({"run", "-m", "me/teller:v1", "-p", "Once", "-t", "2"});
  const testing::Outcome by_file = herd({"run", "-m", stories_, "-p", "Once", "-n", "12", "--temp", "0", "-t", "2"});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  ASSERT_EQ(by_file.exit_code, 0) << by_file.err;
  EXPECT_EQ(by_name.out, by_file.out);
  // A flag on the command line wins over the preset.
  const testing::Outcome shorter = herd({"run", "-m", "me/teller:v1", "-p", "Once", "-n", "3", "-t", "2"});
  ASSERT_EQ(shorter.exit_code, 0) << shorter.err;
  EXPECT_LT(shorter.out.size(), by_name.out.size());

  o = herd({"cp", "me/teller:v1", "teller-copy"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const int blobs = blob_count();
  o = herd({"rm", "me/teller:v1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(blob_count(), blobs);  // the copy still names every blob
  o = herd({"rm", "teller-copy"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_LT(blob_count(), blobs);
  o = herd({"run", "-m", "stories", "-p", "Once", "-n", "12", "--temp", "0", "-t", "2"});
  ASSERT_EQ(o.exit_code, 0) << o.err;  // the base's blobs stayed
  EXPECT_EQ(o.out, by_file.out);
}

TEST_F(StoreCommandsTest, BadNamesAndMissingModelsAreCleanErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"show", "../../etc/passwd"},
                                             {"rm", "nothing"},
                                             {"cp", "nothing", "other"},
                                             {"run", "-m", "nothing-here", "-p", "x"},
                                             {"show", "a/b/c/d/e"},
                                             {"create", "bad name", "-f", "/dev/null"}}) {
    const testing::Outcome o = herd(args);
    EXPECT_NE(o.exit_code, 0) << args[0];
    EXPECT_LT(o.exit_code, 128) << "killed by a signal";
    EXPECT_NE(o.err.find("herd: error: "), std::string::npos) << o.err;
  }
  const testing::Outcome o = herd({"run", "-m", "nothing-here", "-p", "x"});
  EXPECT_NE(o.err.find("herd pull nothing-here"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(home_ / "models/manifests/registry.ollama.ai/library/other"));
}

TEST_F(StoreCommandsTest, AModelThatDoesNotLoadIsNotCreated) {
  write("junk.gguf", "this is not a GGUF file at all");
  write("Herdfile", "FROM junk.gguf\n");
  const testing::Outcome o = herd({"create", "junk", "-f", work_ / "Herdfile"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("not created"), std::string::npos) << o.err;
  EXPECT_EQ(herd({"list", "--json"}).out, "[]\n");
}

}  // namespace
}  // namespace herd
