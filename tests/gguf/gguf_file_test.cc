// GgufFile on the real files under shared/models and shared/reference/logits.
#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gguf_test_builder.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

const std::string kShared = HERD_SHARED_DIR;
const std::string kModels = kShared + "/models";

std::unique_ptr<GgufFile> open_or_die(const std::string& path) {
  auto f = GgufFile::open(path);
  EXPECT_TRUE(f.ok()) << path << ": " << f.status().to_string();
  return f.ok() ? std::move(f).value() : nullptr;
}

std::vector<std::string> all_shared_ggufs() {
  std::vector<std::string> out;
  for (const std::string& dir :
       {kModels, kModels + "/vocab", kShared + "/reference/logits"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".gguf") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t data_end(const GgufFile& f) {
  uint64_t end = f.data_offset();
  for (const GgufTensor& t : f.tensors()) {
    end = std::max(end, f.data_offset() + t.offset + t.n_bytes);
  }
  return end;
}

std::map<DType, int> type_counts(const GgufFile& f) {
  std::map<DType, int> counts;
  for (const GgufTensor& t : f.tensors()) ++counts[t.type];
  return counts;
}

TEST(GgufFile, EverySharedFileParses) {
  const auto paths = all_shared_ggufs();
  ASSERT_GE(paths.size(), 50u) << "shared files missing under " << kShared;
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    auto f = open_or_die(path);
    if (!f) continue;
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_EQ(f->path(), path);
    EXPECT_EQ(f->file_size(), fs::file_size(path));
    EXPECT_LE(f->data_offset(), f->file_size());
    ASSERT_TRUE(f->get_string("general.architecture").ok());
    for (const GgufTensor& t : f->tensors()) {
      EXPECT_EQ(f->find_tensor(t.name), &t);
      EXPECT_EQ(t.offset % f->alignment(), 0u);
      EXPECT_EQ(t.data, f->find_tensor(t.name)->data);
      uint64_t n = 1;
      for (uint64_t d : t.dims) n *= d;
      EXPECT_EQ(n, t.n_elements);
      EXPECT_EQ(t.n_bytes, *dtype_row_bytes(t.type, t.dims[0]) * t.n_rows());
    }
    // The README: tensor data ends exactly at the end of each file.
    if (!f->tensors().empty()) {
      EXPECT_EQ(f->data_offset() % 32, 0u);
      EXPECT_EQ(data_end(*f), f->file_size());
    }
    EXPECT_FALSE(describe_gguf(*f).empty());
  }
}

TEST(GgufFile, Stories260K) {
  auto f = open_or_die(kModels + "/stories260K.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->file_size(), 1185376u);
  EXPECT_EQ(f->metadata().size(), 19u);
  EXPECT_EQ(f->tensors().size(), 48u);
  EXPECT_EQ(f->data_offset(), 14176u);
  EXPECT_EQ(f->find("general.alignment"), nullptr);
  EXPECT_EQ(*f->get_string("general.architecture"), "llama");
  EXPECT_EQ(*f->get_string("general.name"), "llama");
  EXPECT_EQ(*f->get_int("llama.embedding_length"), 64);
  EXPECT_EQ(*f->get_int("llama.block_count"), 5);
  EXPECT_EQ(*f->get_int("llama.attention.head_count"), 8);
  EXPECT_EQ(*f->get_int("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(*f->get_int("llama.feed_forward_length"), 172);
  EXPECT_EQ(*f->get_int("llama.context_length"), 2048);
  EXPECT_EQ(*f->get_int("llama.rope.dimension_count"), 8);
  EXPECT_FLOAT_EQ(static_cast<float>(*f->get_float("llama.attention.layer_norm_rms_epsilon")),
                  1e-5f);
  EXPECT_EQ(*f->get_float_or("llama.rope.freq_base", 10000.0), 10000.0);
  EXPECT_EQ(*f->get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(*f->get_int("tokenizer.ggml.bos_token_id"), 1);
  EXPECT_EQ(*f->get_int("tokenizer.ggml.eos_token_id"), 2);
  EXPECT_EQ(*f->get_int("tokenizer.ggml.unknown_token_id"), 0);
  EXPECT_EQ(*f->get_int("tokenizer.ggml.seperator_token_id"), 4294967295);
  // The tokenizer keys come before general.architecture.
  EXPECT_NE(f->metadata().front().key, "general.architecture");

  auto tokens = f->get_array("tokenizer.ggml.tokens", GgufType::kString);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ((*tokens)->array.size(), 512u);
  EXPECT_EQ((*tokens)->array[0].str, "<unk>");
  EXPECT_EQ((*tokens)->array[1].str, "<s>");
  EXPECT_EQ((*tokens)->array[3].str, "<0x00>");
  EXPECT_EQ((*tokens)->array[410].str, "\xe2\x96\x81");
  auto types = f->get_array("tokenizer.ggml.token_type", GgufType::kInt32);
  ASSERT_TRUE(types.ok());
  EXPECT_EQ((*types)->array[0].i, 2);
  EXPECT_EQ((*types)->array[1].i, 3);
  EXPECT_EQ((*types)->array[258].i, 6);
  EXPECT_EQ((*types)->array[259].i, 1);
  auto scores = f->get_array("tokenizer.ggml.scores", GgufType::kFloat32);
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ((*scores)->array[511].f, -252.0);

  uint64_t n_weights = 0;
  for (const GgufTensor& t : f->tensors()) {
    EXPECT_EQ(t.type, DType::kF32);
    n_weights += t.n_elements;
  }
  EXPECT_EQ(n_weights, 292800u);
  const GgufTensor* embd = f->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(embd->n_rows(), 512u);
  EXPECT_EQ(embd->n_bytes, 64u * 512 * 4);
  EXPECT_EQ(embd->data, f->find_tensor("token_embd.weight")->data);
  const GgufTensor* down = f->find_tensor("blk.4.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->dims, (std::vector<uint64_t>{172, 64}));
  EXPECT_EQ(f->find_tensor("output_norm.weight")->dims, (std::vector<uint64_t>{64}));
  EXPECT_EQ(f->find_tensor("blk.5.attn_q.weight"), nullptr);
  EXPECT_EQ(data_end(*f), f->file_size());
}

TEST(GgufFile, LlamaTinyRandom) {
  auto f = open_or_die(kModels + "/llama-2-tiny-random.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->metadata().size(), 18u);
  EXPECT_EQ(f->tensors().size(), 12u);
  EXPECT_EQ(f->data_offset(), 724416u);  // header ends at 724398
  EXPECT_EQ(*f->get_string("general.name"), "LLaMA v2");
  EXPECT_EQ(*f->get_int("general.file_type"), 1);
  EXPECT_EQ(*f->get_int("llama.embedding_length"), 8);
  EXPECT_EQ((*f->get_array("tokenizer.ggml.tokens", GgufType::kString))->array.size(), 32000u);
  const auto counts = type_counts(*f);
  EXPECT_EQ(counts.at(DType::kF16), 9);
  EXPECT_EQ(counts.at(DType::kF32), 3);
  EXPECT_EQ(f->tensors().front().name, "token_embd.weight");
  EXPECT_EQ(f->tensors().back().name, "output.weight");
}

TEST(GgufFile, MmprojTinyGemma3) {
  auto f = open_or_die(kModels + "/mmproj-tinygemma3.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensors().size(), 71u);
  EXPECT_EQ(*f->get_string("general.architecture"), "clip");
  EXPECT_EQ(*f->get_string("general.type"), "clip-vision");
  EXPECT_EQ(*f->get_int("general.file_type"), 7);
  EXPECT_EQ(*f->get_int("general.quantization_version"), 2);
  EXPECT_EQ(*f->get_string("clip.projector_type"), "gemma3");
  EXPECT_TRUE(*f->get_bool("clip.has_vision_encoder"));
  EXPECT_TRUE(*f->get_bool("clip.use_gelu"));
  EXPECT_EQ(*f->get_int("clip.vision.embedding_length"), 128);
  EXPECT_FALSE(f->get_string("tokenizer.ggml.model").ok());
  const auto counts = type_counts(*f);
  EXPECT_EQ(counts.at(DType::kQ8_0), 24);
  EXPECT_EQ(counts.at(DType::kF32), 46);
  EXPECT_EQ(counts.at(DType::kF16), 1);
  const GgufTensor* patch = f->find_tensor("v.patch_embd.weight");
  ASSERT_NE(patch, nullptr);
  EXPECT_EQ(patch->dims, (std::vector<uint64_t>{2, 2, 3, 128}));
  int n_4d = 0;
  for (const GgufTensor& t : f->tensors()) {
    if (t.dims.size() == 4) ++n_4d;
    if (t.type == DType::kQ8_0) {
      EXPECT_EQ(t.dims[0] % 32, 0u);
      EXPECT_EQ(t.n_bytes, t.n_elements / 32 * 34);
    }
  }
  EXPECT_GE(n_4d, 1);
}

TEST(GgufFile, VocabFiles) {
  const std::map<std::string, size_t> vocab_sizes = {
      {"baichuan", 64000},      {"bert-bge", 30522},  {"deepseek-coder", 32256},
      {"deepseek-llm", 102400}, {"falcon", 65024},    {"gpt-2", 50257},
      {"gpt-neox", 50432},      {"llama-spm", 32000}, {"mpt", 50432},
      {"phi-3", 32064},         {"refact", 49216},    {"starcoder", 49152},
      {"llama-bpe", 128256},    {"qwen2", 151936}};
  for (const auto& [name, n_vocab] : vocab_sizes) {
    SCOPED_TRACE(name);
    auto f = open_or_die(kModels + "/vocab/ggml-vocab-" + name + ".gguf");
    if (!f) continue;
    EXPECT_TRUE(f->tensors().empty());
    auto tokens = f->get_array("tokenizer.ggml.tokens", GgufType::kString);
    ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
    EXPECT_EQ((*tokens)->array.size(), n_vocab);
    EXPECT_LE(f->data_offset(), f->file_size());
  }
  // Upstream vocab files end without padding after the header.
  auto spm = open_or_die(kModels + "/vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_TRUE(spm);
  EXPECT_EQ(spm->data_offset(), spm->file_size());
  auto merges = open_or_die(kModels + "/vocab/ggml-vocab-qwen2.gguf");
  ASSERT_TRUE(merges);
  EXPECT_EQ((*merges->get_array("tokenizer.ggml.merges", GgufType::kString))->array.size(),
            151387u);
  EXPECT_FALSE(*merges->get_bool("tokenizer.ggml.add_bos_token"));
}

TEST(GgufFile, ReferenceModelsHoldTheirNamedType) {
  const std::map<std::string, DType> files = {
      {"llama-tiny-F32", DType::kF32},       {"llama-tiny-F16", DType::kF16},
      {"llama-tiny-BF16", DType::kBF16},     {"llama-tiny-Q8_0", DType::kQ8_0},
      {"llama-tiny-Q4_0", DType::kQ4_0},     {"llama-tiny-Q4_1", DType::kQ4_1},
      {"llama-tiny-Q5_0", DType::kQ5_0},     {"llama-tiny-Q5_1", DType::kQ5_1},
      {"llama-tiny-Q2_K", DType::kQ2_K},     {"llama-tiny-Q3_K_M", DType::kQ3_K},
      {"llama-tiny-Q4_K_S", DType::kQ4_K},   {"llama-tiny-Q4_K_M", DType::kQ4_K},
      {"llama-tiny-Q5_K_M", DType::kQ5_K},   {"llama-tiny-Q6_K", DType::kQ6_K},
      {"llama-tiny-IQ4_NL", DType::kIQ4_NL}, {"llama-tiny-IQ4_XS", DType::kIQ4_XS}};
  for (const auto& [base, type] : files) {
    SCOPED_TRACE(base);
    auto f = open_or_die(kShared + "/reference/logits/" + base + ".gguf");
    if (!f) continue;
    EXPECT_EQ(f->tensors().size(), 21u);
    EXPECT_GT(type_counts(*f)[type], 0);
    EXPECT_EQ(*f->get_int("llama.embedding_length"), 256);
  }
}

TEST(GgufFile, OpenErrors) {
  auto missing = GgufFile::open(kShared + "/models/no-such-file.gguf");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no-such-file.gguf"), std::string::npos);

  // A text file: a parse error that names the path.
  const std::string readme = kModels + "/README.md";
  auto text = GgufFile::open(readme);
  EXPECT_EQ(text.status().code(), StatusCode::kCorruptFile);
  EXPECT_NE(text.status().message().find(readme + ": bad magic \"# Te\""), std::string::npos)
      << text.status().message();
}

TEST(GgufFile, ParseOfTinyFile) {
  const auto bytes = test::tiny_gguf();
  auto r = GgufFile::parse(bytes);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const GgufFile& f = **r;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.path(), "");
  EXPECT_EQ(f.file_size(), bytes.size());
  EXPECT_EQ(f.metadata().size(), 9u);
  ASSERT_EQ(f.tensors().size(), 3u);
  const GgufTensor& a = f.tensors()[0];
  EXPECT_EQ(a.name, "a.weight");
  EXPECT_EQ(a.n_elements, 8u);
  EXPECT_EQ(a.n_rows(), 2u);
  EXPECT_EQ(a.n_bytes, 32u);
  EXPECT_EQ(a.data, bytes.data() + f.data_offset());
  float x;
  std::memcpy(&x, a.data + 12, 4);
  EXPECT_EQ(x, 3.0f);
  const GgufTensor* b = f.find_tensor("b.weight");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type, DType::kQ8_0);
  EXPECT_EQ(b->n_bytes, 68u);
  EXPECT_EQ(b->data, bytes.data() + f.data_offset() + 32);
  EXPECT_EQ(f.find_tensor("c.norm")->n_bytes, 16u);
  EXPECT_EQ(data_end(f), bytes.size());
  EXPECT_EQ(f.find("nested")->array[0].array[1].i, -1);
}

TEST(GgufFile, Version2AndCustomAlignment) {
  test::GgufBuilder b;
  b.header(2, 1, 1).kv_u32("general.alignment", 64);
  b.tensor_info("t", {16}, 0, 64);
  b.pad_to(64).zeros(64 + 64);
  auto r = GgufFile::parse(b.span());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)->version(), 2u);
  EXPECT_EQ((*r)->alignment(), 64u);
  EXPECT_EQ((*r)->data_offset(), 128u);
  EXPECT_EQ((*r)->tensors()[0].data, b.bytes().data() + 192);
}

TEST(GgufFile, NoTensorsAndNothingAfterTheHeader) {
  test::GgufBuilder b;
  b.header(3, 0, 1).kv_string("general.architecture", "x");
  auto r = GgufFile::parse(b.span());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)->data_offset(), b.size());

  test::GgufBuilder empty;
  empty.header(3, 0, 0);
  auto e = GgufFile::parse(empty.span());
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_TRUE((*e)->metadata().empty());
  EXPECT_EQ((*e)->data_offset(), 24u);
}

TEST(GgufFile, TensorsMayComeInAnyOrderWithGaps) {
  test::GgufBuilder b;
  b.header(3, 2, 0);
  b.tensor_info("late", {8}, 0, 96);
  b.tensor_info("early", {16}, 0, 0);  // [0, 64); a gap up to 96
  b.pad_to(32).zeros(128);
  auto r = GgufFile::parse(b.span());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)->tensors()[0].name, "late");
}

// Aliased weights (two tensors over the same bytes) are a crafted or broken file.
TEST(GgufFile, OverlappingTensorDataIsCorrupt) {
  test::GgufBuilder b;
  b.header(3, 2, 0);
  b.tensor_info("late", {8}, 0, 32);
  b.tensor_info("early", {16}, 0, 0);  // [0, 64) overlaps "late" at [32, 64)
  b.pad_to(32).zeros(64);
  auto r = GgufFile::parse(b.span());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(r.status().message(),
            "tensor \"late\": data [32, 64) overlaps tensor \"early\" at [0, 64) (offsets in the data section)");

  test::GgufBuilder same;  // two tensors at one offset
  same.header(3, 2, 0);
  same.tensor_info("a", {8}, 0, 0);
  same.tensor_info("b", {8}, 0, 0);
  same.pad_to(32).zeros(32);
  r = GgufFile::parse(same.span());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "tensor \"b\": data [0, 32) overlaps tensor \"a\" at [0, 32) (offsets in the data section)");
}

}  // namespace
}  // namespace herd
