// End-to-end tests of the herd binary: real processes, real files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "../support/herd_process.h"
#include "../support/shared_data.h"
#include "gguf/gguf_image.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

using testing::Outcome;
using testing::slurp;
const auto quote = testing::shell_quote;

class HerdBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("herd_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(tmp_);
    stories_ = (testing::shared_dir() / "models" / "stories260K.gguf").string();
  }
  void TearDown() override { fs::remove_all(tmp_); }

  Outcome herd(const std::vector<std::string>& args) { return testing::run_process(HERD_BIN, args, tmp_); }

  // A clean failure: non-zero exit (not a signal), one line on stderr naming the problem.
  void expect_clean_error(const Outcome& o, const std::string& needle) {
    EXPECT_NE(o.exit_code, 0);
    EXPECT_LT(o.exit_code, 128) << "killed by a signal";
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    EXPECT_EQ(o.err.rfind("herd: error: ", 0), 0u) << o.err;
    EXPECT_NE(o.err.find(needle), std::string::npos) << "wanted \"" << needle << "\" in: " << o.err;
  }

  bool have_stories() const { return fs::exists(stories_); }

  fs::path tmp_;
  std::string stories_;
};

TEST_F(HerdBinaryTest, GreedyStoryFromBosMatchesLlama2cText) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  const nlohmann::json golden = testing::read_json(testing::shared_dir() / "models" / "stories260K.greedy200.json");
  Outcome o = herd({"run", "-m", stories_, "--prompt-ids", "1", "-n", "200", "--temp", "0", "-t", "2"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, golden["generated_text_as_printed_by_llama2c"].get<std::string>() + "\n");
  EXPECT_NE(o.err.find("tokens/s"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("generation: 200 tokens"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("model: llama"), std::string::npos) << o.err;
}

TEST_F(HerdBinaryTest, PromptTextIsContinued) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  Outcome o = herd({"run", "-m", stories_, "-p", "Once upon a time", "-n", "30", "--temp", "0"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.rfind("Once upon a time, there was a little girl named Lily.", 0), 0u) << o.out;
}

TEST_F(HerdBinaryTest, EveryKvCacheTypeRuns) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  for (const char* type : {"f32", "f16"}) {
    Outcome o = herd({"run", "-m", stories_, "-p", "Once upon a time", "-n", "30", "--temp", "0", "--cache-type-k",
                      type, "--cache-type-v", type});
    ASSERT_EQ(o.exit_code, 0) << type << ": " << o.err;
    EXPECT_EQ(o.out.rfind("Once upon a time, there was a little girl named Lily.", 0), 0u) << type << ": " << o.out;
  }
}

TEST_F(HerdBinaryTest, SampledRunIsReproducibleWithSeed) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  const std::vector<std::string> args = {"run", "-m", stories_, "-p", "Lily", "-n", "40", "--temp", "1.0",
                                         "--top-k", "20", "--top-p", "0.9", "--min-p", "0.02", "--repeat-penalty",
                                         "1.1", "--seed", "1234"};
  Outcome a = herd(args), b = herd(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  std::vector<std::string> other = args;
  other.back() = "99";
  EXPECT_NE(herd(other).out, a.out);
}

TEST_F(HerdBinaryTest, TokenizePrintsIds) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  Outcome o = herd({"tokenize", "-m", stories_, "Once upon a time", "--ids"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "1 403 407 261 378\n");
  Outcome pieces = herd({"tokenize", "-m", stories_, "Once upon a time"});
  EXPECT_NE(pieces.out.find("403"), std::string::npos);
  EXPECT_NE(pieces.out.find("\xE2\x96\x81"), std::string::npos) << "pieces show the space marker";
}

TEST_F(HerdBinaryTest, LogitsFileMatchesReference) {
  const fs::path dir = testing::shared_dir() / "reference" / "logits";
  ASSERT_TRUE(fs::exists(dir / "stories260K.json")) << "the shared test data (../shared) is missing";
  const nlohmann::json j = testing::read_json(dir / "stories260K.json");
  const nlohmann::json& seq = j["sequences"][0];
  const std::vector<int32_t> ids = seq["tokens"];
  std::string id_text;
  for (int32_t id : ids) id_text += std::to_string(id) + " ";
  const fs::path out = tmp_ / "logits.f32";
  Outcome o = herd({"logits", "-m", (dir / "stories260K.gguf").string(), "--ids", id_text, "-o", out.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const size_t n = ids.size() * 512;
  ASSERT_EQ(fs::file_size(out), n * sizeof(float));
  const std::vector<float> got = testing::read_f32(out, 0, n);
  const std::vector<float> want = testing::read_f32(dir / "stories260K.logits.f32", seq["logits_offset_bytes"], n);
  const double tol = j["tolerance"]["max_abs_logit_diff"];
  for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], tol) << "logit " << i;
}

TEST_F(HerdBinaryTest, InspectPrintsMetadataAndTensors) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  Outcome o = herd({"inspect", stories_});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const char* want : {"model: llama", "292.8K params", "ctx 2048", "llama.embedding_length",
                           "tokenizer.ggml.tokens", "token_embd.weight", "F32", "blk.4.ffn_down.weight"}) {
    EXPECT_NE(o.out.find(want), std::string::npos) << want;
  }
}

TEST_F(HerdBinaryTest, QuantizeWritesAModelThatMatchesTheReference) {
  const fs::path dir = testing::shared_dir() / "reference" / "logits";
  ASSERT_TRUE(fs::exists(dir / "llama-tiny-F32.gguf")) << "the shared test data (../shared) is missing";
  const fs::path out = tmp_ / "q8.gguf";
  Outcome q = herd({"quantize", (dir / "llama-tiny-F32.gguf").string(), out.string(), "Q8_0", "-t", "2"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.err.find("blk.1.ffn_down.weight"), std::string::npos) << "progress names each tensor: " << q.err;
  // Byte-identical to the reference's llama-quantize output (same header layout aside):
  // its logits must match the reference Q8_0 logits within that file's tolerance.
  const nlohmann::json j = testing::read_json(dir / "llama-tiny-Q8_0.json");
  const nlohmann::json& seq = j["sequences"][1];
  const std::vector<int32_t> ids = seq["tokens"];
  std::string id_text;
  for (int32_t id : ids) id_text += std::to_string(id) + " ";
  const fs::path logits = tmp_ / "q8.f32";
  Outcome l = herd({"logits", "-m", out.string(), "--ids", id_text, "-o", logits.string()});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  const size_t n = ids.size() * 512;
  const std::vector<float> got = testing::read_f32(logits, 0, n);
  const std::vector<float> want = testing::read_f32(dir / "llama-tiny-Q8_0.logits.f32", seq["logits_offset_bytes"], n);
  ASSERT_EQ(got.size(), n);
  const double tol = j["tolerance"]["max_abs_logit_diff"];
  for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], tol) << i;
  // A quantized file is not a source.
  expect_clean_error(herd({"quantize", out.string(), (tmp_ / "again.gguf").string(), "Q4_0"}), "quantized");
  EXPECT_FALSE(fs::exists(tmp_ / "again.gguf"));
  expect_clean_error(herd({"quantize", (dir / "llama-tiny-F32.gguf").string(), (tmp_ / "x.gguf").string(), "Q9_9"}),
                     "Q9_9");
}

TEST_F(HerdBinaryTest, SynthModelRunsAndBenches) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  const fs::path model = tmp_ / "synth.gguf";
  Outcome s = herd({"synth", "--shape", "tiny", "--type", "Q4_0", "-o", model.string(), "--seed", "3", "--vocab-from",
                    stories_});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  Outcome r = herd({"run", "-m", model.string(), "-p", "Hello", "-n", "8", "--temp", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("generation: 8 tokens"), std::string::npos) << r.err;
  Outcome b = herd({"bench", "-m", model.string(), "-p", "16", "-n", "4", "-r", "2", "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const nlohmann::json j = nlohmann::json::parse(b.out);
  EXPECT_FALSE(j.dump().find("pp16") == std::string::npos && j.dump().find("n_prompt") == std::string::npos) << b.out;
  expect_clean_error(herd({"synth", "--shape", "gpt-5", "-o", (tmp_ / "z.gguf").string()}), "gpt-5");
}

TEST_F(HerdBinaryTest, TemplatePrintsExactlyTheRendering) {
  const fs::path dir = testing::shared_dir() / "reference" / "chat-templates";
  ASSERT_TRUE(fs::exists(dir / "cases.jsonl")) << "the shared test data (../shared) is missing";
  std::ifstream cases(dir / "cases.jsonl");
  int checked = 0;
  for (std::string line; std::getline(cases, line);) {
    const nlohmann::ordered_json c = nlohmann::ordered_json::parse(line);
    const std::string name = c["template"];
    if (name != "meta-llama-Llama-3.2-3B-Instruct.jinja" && name != "google-gemma-2-2b-it.jinja") continue;
    const fs::path ctx = tmp_ / "context.json";
    std::ofstream(ctx) << c["context"].dump();
    Outcome o = herd({"template", (dir / "templates" / name).string(), ctx.string(), "--now", "2024-07-26T12:00:00"});
    if (c.contains("expected_error")) {
      expect_clean_error(o, c["expected_error"].get<std::string>());
    } else {
      ASSERT_EQ(o.exit_code, 0) << name << " " << c["case"] << ": " << o.err;
      EXPECT_EQ(o.out, c["expected"].get<std::string>()) << name << " " << c["case"];
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
  expect_clean_error(herd({"template", (tmp_ / "none.jinja").string(), (tmp_ / "none.json").string()}), "none");
  const fs::path bad = tmp_ / "bad.jinja";
  std::ofstream(bad) << "{% for x in %}";
  std::ofstream(tmp_ / "empty.json") << "{}";
  expect_clean_error(herd({"template", bad.string(), (tmp_ / "empty.json").string()}), "line 1");
}

TEST_F(HerdBinaryTest, ChatAnswersFromStdinAndQuitsAtEndOfInput) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  const fs::path in = tmp_ / "in.txt";
  std::ofstream(in) << "Tell me a story\n/reset\nOnce upon a time\n";
  std::string cmd = quote(HERD_BIN) + " chat -m " + quote(stories_) + " -n 12 --temp 0 --system 'Be kind' <" +
                    quote(in.string()) + " >" + quote((tmp_ / "out").string()) + " 2>" + quote((tmp_ / "err").string());
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(tmp_ / "err");
  const std::string out = slurp(tmp_ / "out");
  EXPECT_GE(std::count(out.begin(), out.end(), '>'), 2) << out;  // a prompt per turn
  EXPECT_GT(out.size(), 20u) << out;
}

TEST_F(HerdBinaryTest, BadArgumentsGiveOneLineErrors) {
  expect_clean_error(herd({}), "no command");
  expect_clean_error(herd({"frobnicate"}), "frobnicate");
  expect_clean_error(herd({"run", "-m", (tmp_ / "missing.gguf").string()}), "missing.gguf");
  expect_clean_error(herd({"run", "-p", "hi"}), "model");
  if (!have_stories()) return;
  expect_clean_error(herd({"run", "-m", stories_, "--top-p", "2"}), "top_p");
  expect_clean_error(herd({"run", "-m", stories_, "-n", "abc"}), "abc");
  expect_clean_error(herd({"run", "-m", stories_, "--prompt-ids", "1 x 3"}), "\"x\"");
  expect_clean_error(herd({"run", "-m", stories_, "--prompt-ids", "1 9999"}), "9999");
  expect_clean_error(herd({"run", "-m", stories_, "-c", "4", "--prompt-ids", "1 2 3 4 5 6"}), "context");
  expect_clean_error(herd({"run", "-m", stories_, "--cache-type-k", "q4_0"}), "q4_0");
  expect_clean_error(herd({"run", "-m", stories_, "--cache-type-v", "q8_0"}), "multiple of 32");  // head_dim 8
  expect_clean_error(herd({"serve", "-m", stories_, "--kv-memory", "12Q"}), "12Q");
  expect_clean_error(herd({"logits", "-m", stories_, "--ids", "1", "-o", (tmp_ / "no" / "dir" / "x").string()}),
                     "x");
  expect_clean_error(herd({"logits", "-m", stories_, "--ids", "1 512", "-o", (tmp_ / "y").string()}), "512");
  EXPECT_FALSE(fs::exists(tmp_ / "y"));
  EXPECT_FALSE(fs::exists(tmp_ / "y.partial"));
}

TEST_F(HerdBinaryTest, BadFilesGiveOneLineErrors) {
  const fs::path junk = tmp_ / "junk.gguf";
  std::ofstream(junk) << "this is not a gguf file at all";
  expect_clean_error(herd({"inspect", junk.string()}), "junk.gguf");
  expect_clean_error(herd({"run", "-m", junk.string()}), "junk.gguf");
  if (!have_stories()) return;
  // A real model cut short: the tensor data runs past the end.
  const std::string bytes = slurp(stories_);
  const fs::path cut = tmp_ / "cut.gguf";
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  expect_clean_error(herd({"run", "-m", cut.string()}), "cut.gguf");
  const fs::path vocab = testing::shared_dir() / "models" / "vocab" / "ggml-vocab-llama-spm.gguf";
  if (fs::exists(vocab)) expect_clean_error(herd({"run", "-m", vocab.string()}), "token_embd");
  const fs::path clip = testing::shared_dir() / "models" / "mmproj-tinygemma3.gguf";
  if (fs::exists(clip)) expect_clean_error(herd({"run", "-m", clip.string()}), "clip");
}

// A FIFO as the model path used to hang: opening one for reading blocks until a writer
// comes (a regression hangs here until the test times out).
TEST_F(HerdBinaryTest, NonRegularModelPathsFailAtOnce) {
  const fs::path fifo = tmp_ / "fifo.gguf";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string fifo_error = fifo.string() + ": not a regular file (a FIFO)";
  expect_clean_error(herd({"inspect", fifo.string()}), fifo_error);
  expect_clean_error(herd({"run", "-m", fifo.string(), "-n", "1"}), fifo_error);
  expect_clean_error(herd({"tokenize", "-m", fifo.string(), "hi"}), fifo_error);
  expect_clean_error(herd({"bench", "-m", fifo.string()}), fifo_error);
  expect_clean_error(herd({"run", "-m", "/dev/zero"}), "/dev/zero: not a regular file (a character device)");
  expect_clean_error(herd({"inspect", tmp_.string()}), tmp_.string());
  // serve may print its "listening" line first; it must still exit with the error.
  const Outcome served = herd({"serve", "-m", fifo.string(), "--port", std::to_string(20000 + ::getpid() % 20000)});
  EXPECT_NE(served.exit_code, 0);
  EXPECT_LT(served.exit_code, 128) << "killed by a signal";
  EXPECT_NE(served.err.find(fifo_error), std::string::npos) << served.err;
}

// Real models with one field corrupted, through the binary: refused in one line, quickly.
TEST_F(HerdBinaryTest, CorruptModelsAreRefused) {
  ASSERT_TRUE(have_stories()) << "the shared test data (../shared) is missing";
  Result<std::unique_ptr<GgufFile>> source = GgufFile::open(stories_);
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  auto write = [&](const GgufImage& img, const std::string& name) {
    const std::vector<uint8_t> bytes = img.bytes();
    const fs::path p = tmp_ / name;
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
    return p.string();
  };
  GgufImage layers = GgufImage::from(**source);
  layers.set("llama.block_count", GgufMetaValue::of_uint(GgufType::kUint32, 1000000));
  const std::string layers_path = write(layers, "layers.gguf");
  expect_clean_error(herd({"run", "-m", layers_path, "-n", "1"}),
                     "llama.block_count = 1000000 needs at least 4000000 tensors; the file has 48");

  GgufImage norm = GgufImage::from(**source);
  norm.find_tensor("output_norm.weight")->type = DType::kQ4_0;
  expect_clean_error(herd({"run", "-m", write(norm, "norm.gguf"), "-n", "1"}),
                     "tensor \"output_norm.weight\" has type Q4_0; a 1-D weight must be F32, F16 or BF16");

  GgufImage overlap = GgufImage::from(**source);
  overlap.find_tensor("blk.1.ffn_up.weight")->offset = overlap.find_tensor("blk.1.ffn_gate.weight")->offset;
  expect_clean_error(herd({"run", "-m", write(overlap, "overlap.gguf"), "-n", "1"}), "overlaps");

  GgufImage bpe = GgufImage::from(**source);
  bpe.set("tokenizer.ggml.model", GgufMetaValue::of_string("gpt2"));
  expect_clean_error(herd({"run", "-m", write(bpe, "bpe.gguf"), "-n", "1"}),
                     "tokenizer.ggml.model is \"gpt2\" (BPE) but tokenizer.ggml.merges is missing");

  GgufImage nan = GgufImage::from(**source);
  nan.find("tokenizer.ggml.scores")->array[7].f = std::nan("");
  expect_clean_error(herd({"run", "-m", write(nan, "nan.gguf"), "-n", "1"}),
                     "tokenizer.ggml.scores[7] = nan is not a finite number");
}

}  // namespace
}  // namespace herd
