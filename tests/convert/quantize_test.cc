// quantize_model against llama-quantize: from llama-tiny-F32 every file type herd can
// quantize must give the reference file's tensors byte for byte, and the quantized
// model must match that type's golden logits.
#include "convert/quantize.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "../support/shared_data.h"
#include "convert/quant_recipe.h"
#include "convert/row_writer.h"
#include "gguf/gguf_file.h"
#include "model/context.h"
#include "model/model.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

fs::path logits_dir() { return testing::shared_dir() / "reference" / "logits"; }

fs::path temp_path(const std::string& name) {
  return fs::path(::testing::TempDir()) / ("herd_quantize_" + std::to_string(::getpid()) + "_" + name);
}

// Every llama-tiny file type of ../shared/reference/logits but F32 (the source), pinned:
// herd must quantize each byte for byte, so a missing reference file or a type that
// regresses to "no quantizer" fails instead of dropping out of the suite.
const std::vector<std::string> kReferenceFileTypes = {"F16",    "BF16",   "Q8_0",   "Q4_0", "Q4_1",
                                                      "Q5_0",   "Q5_1",   "Q2_K",   "Q3_K_M", "Q4_K_S",
                                                      "Q4_K_M", "Q5_K_M", "Q6_K",   "IQ4_NL", "IQ4_XS"};

// Largest |ours - reference| over every prompt position of every reference sequence.
double max_logit_diff(const Model& model, const nlohmann::json& j) {
  const size_t n_vocab = j["n_vocab"];
  double worst = 0.0;
  for (const auto& seq : j["sequences"]) {
    const std::vector<int32_t> tokens = seq["tokens"];
    ContextParams cp;
    cp.n_ctx = static_cast<int32_t>(tokens.size()) + 1;
    cp.n_threads = 2;
    auto ctx = Context::create(model, cp);
    EXPECT_TRUE(ctx.ok());
    if (!ctx.ok()) return INFINITY;
    EXPECT_TRUE((*ctx)->eval(tokens, true).ok());
    const std::vector<float> want = testing::read_f32(logits_dir() / j["logits_file"].get<std::string>(),
                                                      seq["logits_offset_bytes"], tokens.size() * n_vocab);
    for (size_t p = 0; p < tokens.size(); ++p) {
      std::span<const float> got = (*ctx)->logits(static_cast<int64_t>(p));
      for (size_t v = 0; v < n_vocab; ++v) worst = std::max(worst, std::fabs(double(got[v]) - want[p * n_vocab + v]));
    }
  }
  return worst;
}

class QuantizeReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizeReferenceTest, MatchesLlamaQuantizeByteForByte) {
  const std::string type = GetParam();
  ASSERT_TRUE(fs::exists(logits_dir() / ("llama-tiny-" + type + ".json"))) << "missing reference for " << type;
  const fs::path out = temp_path(type + ".gguf");
  QuantizeParams p;
  p.input = (logits_dir() / "llama-tiny-F32.gguf").string();
  p.output = out.string();
  p.type = type;
  p.n_threads = 2;
  size_t n_progress = 0;
  p.on_tensor = [&](const QuantizeProgress& pr) {
    ++n_progress;
    EXPECT_EQ(pr.index, n_progress);
    EXPECT_GT(pr.bytes_out, 0u);
  };
  Result<QuantizeSummary> s = quantize_model(p);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(n_progress, s->n_tensors);
  EXPECT_EQ(s->bytes_out, fs::file_size(out));

  auto ours = GgufFile::open(out.string());
  ASSERT_TRUE(ours.ok()) << ours.status().to_string();
  auto ref = GgufFile::open((logits_dir() / ("llama-tiny-" + type + ".gguf")).string());
  ASSERT_TRUE(ref.ok());
  auto src = GgufFile::open(p.input);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(*(*ours)->get_int("general.file_type"), *(*ref)->get_int("general.file_type"));
  EXPECT_EQ(*(*ours)->get_int("general.quantization_version"), 2);
  for (const GgufKv& kv : (*src)->metadata()) EXPECT_NE((*ours)->find(kv.key), nullptr) << kv.key;
  ASSERT_EQ((*ours)->tensors().size(), (*ref)->tensors().size());
  for (const GgufTensor& want : (*ref)->tensors()) {
    const GgufTensor* got = (*ours)->find_tensor(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(dtype_name(got->type), dtype_name(want.type)) << want.name;
    EXPECT_EQ(got->dims, want.dims);
    ASSERT_EQ(got->n_bytes, want.n_bytes) << want.name;
    EXPECT_EQ(std::memcmp(got->data, want.data, want.n_bytes), 0) << want.name << " bytes differ";
  }

  // The golden logits of that type, within its tolerance.
  const nlohmann::json j = testing::read_json(logits_dir() / ("llama-tiny-" + type + ".json"));
  auto model = Model::load(out.string());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_LE(max_logit_diff(**model, j), j["tolerance"]["max_abs_logit_diff"].get<double>());
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(LlamaTiny, QuantizeReferenceTest, ::testing::ValuesIn(kReferenceFileTypes),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The pinned list is every llama-tiny file of the reference (16 with F32), each a type
// herd knows, and every tensor type in them has a quantizer.
TEST(Quantize, PinnedTypesAreEveryReferenceFileAndAllWritable) {
  ASSERT_TRUE(fs::is_directory(logits_dir())) << logits_dir() << " is missing";
  std::vector<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(logits_dir())) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() == ".json" && stem.rfind("llama-tiny-", 0) == 0 && stem != "llama-tiny-F32" &&
        stem.rfind("llama-tiny-tied", 0) != 0) {
      on_disk.push_back(stem.substr(std::string("llama-tiny-").size()));
    }
  }
  std::vector<std::string> pinned = kReferenceFileTypes;
  std::sort(pinned.begin(), pinned.end());
  std::sort(on_disk.begin(), on_disk.end());
  EXPECT_EQ(on_disk, pinned);
  for (const std::string& type : kReferenceFileTypes) {
    EXPECT_TRUE(file_type_from_name(type).has_value()) << type;
    const nlohmann::json j = testing::read_json(logits_dir() / ("llama-tiny-" + type + ".json"));
    for (const auto& [tensor_type, count] : j["tensor_type_counts"].items()) {
      const std::optional<DType> t = dtype_from_name(tensor_type);
      ASSERT_TRUE(t.has_value()) << tensor_type;
      EXPECT_TRUE(check_writable(*t).ok()) << type << " needs " << tensor_type;
    }
  }
}

TEST(Quantize, F16SourceToF32) {
  const fs::path in = logits_dir() / "llama-tiny-F16.gguf";
  ASSERT_TRUE(fs::exists(in)) << in << " is missing";
  const fs::path out = temp_path("f32.gguf");
  Result<QuantizeSummary> s = quantize_model({in.string(), out.string(), "f32", 1, nullptr});
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  auto f = GgufFile::open(out.string());
  ASSERT_TRUE(f.ok());
  auto src = GgufFile::open(in.string());
  for (const GgufTensor& t : (*f)->tensors()) {
    EXPECT_EQ(t.type, DType::kF32) << t.name;
    const GgufTensor* s16 = (*src)->find_tensor(t.name);
    std::vector<float> want(t.n_elements);
    dequantize_row_ref(s16->type, s16->data, want.data(), static_cast<int64_t>(t.n_elements));
    EXPECT_EQ(std::memcmp(t.data, want.data(), t.n_bytes), 0) << t.name;
  }
  EXPECT_EQ(*(*f)->get_int("general.file_type"), 0);
  fs::remove(out);
}

TEST(Quantize, RefusesQuantizedSourceAndLeavesNoFile) {
  const fs::path in = logits_dir() / "llama-tiny-Q8_0.gguf";
  ASSERT_TRUE(fs::exists(in)) << in << " is missing";
  const fs::path out = temp_path("requant.gguf");
  Result<QuantizeSummary> s = quantize_model({in.string(), out.string(), "Q4_0", 1, nullptr});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("already quantized"), std::string::npos) << s.status().to_string();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

TEST(Quantize, BadArguments) {
  const fs::path in = logits_dir() / "llama-tiny-F32.gguf";
  const fs::path out = temp_path("bad.gguf");
  Result<QuantizeSummary> s = quantize_model({in.string(), out.string(), "Q9_9", 1, nullptr});
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  s = quantize_model({(logits_dir() / "no-such.gguf").string(), out.string(), "Q8_0", 1, nullptr});
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(out));
}

// A tensor type without a quantizer is refused with a clear message (these types are
// not planned soon, so the test stays valid as quantizers land).
TEST(Quantize, TypeWithoutQuantizerIsUnsupported) {
  Status s = check_writable(DType::kIQ2_XXS);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("not supported yet"), std::string::npos);
  EXPECT_TRUE(check_writable(DType::kQ8_0).ok());
}

}  // namespace
}  // namespace herd
