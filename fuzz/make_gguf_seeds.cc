// Writes the small hand-made GGUF seed files of fuzz/corpus/gguf/ (regenerate with
// `fuzz_gguf_seeds <dir>`). Each is a valid file that reaches a different part of the
// reader; the fuzzer mutates them into invalid ones.
#include <cstdio>
#include <string>
#include <vector>

#include "gguf_test_builder.h"

namespace {

using herd::GgufType;
using herd::test::GgufBuilder;

bool write(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// v2, alignment 64, one F32 tensor.
std::vector<uint8_t> v2_aligned() {
  GgufBuilder b;
  b.header(2, 1, 2).kv_u32("general.alignment", 64).kv_string("general.architecture", "llama");
  b.tensor_info("token_embd.weight", {4, 2}, 0, 0).pad_to(64);
  for (int k = 0; k < 8; ++k) b.f32(0.25f * static_cast<float>(k));
  return b.bytes();
}

// A vocab-only file: token, score and type arrays, no tensors, no padding at the end.
std::vector<uint8_t> vocab_only() {
  GgufBuilder b;
  b.header(3, 0, 6).kv_string("general.architecture", "llama");
  b.kv_string("tokenizer.ggml.model", "llama");
  const char* tokens[] = {"<unk>", "<s>", "</s>", "<0x00>", "\xe2\x96\x81the", "a"};
  b.key("tokenizer.ggml.tokens", GgufType::kArray).array_header(GgufType::kString, 6);
  for (const char* t : tokens) b.str(t);
  b.key("tokenizer.ggml.scores", GgufType::kArray).array_header(GgufType::kFloat32, 6);
  for (int k = 0; k < 6; ++k) b.f32(-static_cast<float>(k));
  b.key("tokenizer.ggml.token_type", GgufType::kArray).array_header(GgufType::kInt32, 6);
  for (int t : {2, 3, 3, 6, 1, 1}) b.i32(t);
  b.kv_u32("tokenizer.ggml.bos_token_id", 1);
  return b.bytes();
}

// Quantized and 4-D tensors.
std::vector<uint8_t> quant_tensors() {
  GgufBuilder b;
  b.header(3, 5, 1).kv_u32("general.file_type", 7);
  b.tensor_info("q8", {32, 2}, 8, 0);         // 68 bytes
  b.tensor_info("q4k", {256}, 12, 96);        // 144 bytes
  b.tensor_info("bf16", {2, 2, 3, 2}, 30, 256);  // 48 bytes
  b.tensor_info("iq4nl", {32}, 20, 320);      // 18 bytes
  b.tensor_info("f16", {3}, 1, 352);          // 6 bytes
  b.pad_to(32).zeros(352 + 6);
  return b.bytes();
}

// One KV of every scalar type.
std::vector<uint8_t> all_scalars() {
  GgufBuilder b;
  b.header(3, 0, 12);
  b.key("u8", GgufType::kUint8).u8(255);
  b.key("i8", GgufType::kInt8).u8(0x80);
  b.key("u16", GgufType::kUint16).u16(65535);
  b.key("i16", GgufType::kInt16).u16(0x8000);
  b.kv_u32("u32", 4000000000u);
  b.kv_i32("i32", -1);
  b.key("u64", GgufType::kUint64).u64(~0ull);
  b.key("i64", GgufType::kInt64).i64(-(1ll << 62));
  b.kv_f32("f32", 1e-6f);
  b.key("f64", GgufType::kFloat64).f64(-0.0);
  b.kv_bool("bool", false);
  b.kv_string("string", "{% for m in messages %}{{ m.content }}{% endfor %}");
  return b.bytes();
}

// Arrays nested to the depth limit, plus an array of empty arrays.
std::vector<uint8_t> nested_arrays() {
  GgufBuilder b;
  b.header(3, 0, 2);
  b.key("deep", GgufType::kArray);
  for (int k = 0; k < herd::kGgufMaxArrayDepth - 1; ++k) b.array_header(GgufType::kArray, 1);
  b.array_header(GgufType::kUint16, 2).u16(1).u16(2);
  b.key("wide", GgufType::kArray).array_header(GgufType::kArray, 3);
  b.array_header(GgufType::kString, 0);
  b.array_header(GgufType::kBool, 2).u8(1).u8(0);
  b.array_header(GgufType::kFloat64, 1).f64(2.5);
  return b.bytes();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const bool ok = write(dir, "tiny.gguf", herd::test::tiny_gguf()) &&
                  write(dir, "v2-aligned.gguf", v2_aligned()) &&
                  write(dir, "vocab-only.gguf", vocab_only()) &&
                  write(dir, "quant-tensors.gguf", quant_tensors()) &&
                  write(dir, "all-scalars.gguf", all_scalars()) &&
                  write(dir, "nested-arrays.gguf", nested_arrays());
  if (!ok) {
    std::perror(dir.c_str());
    return 1;
  }
  return 0;
}
