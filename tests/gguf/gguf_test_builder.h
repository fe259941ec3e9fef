// Emits GGUF bytes field by field, so tests (and the fuzz seed generator) can write valid
// files and corrupt any single field. Nothing here checks anything: writing nonsense is
// the point.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"

namespace herd::test {

class GgufBuilder {
 public:
  GgufBuilder& u8(uint8_t v) { return le(v, 1); }
  GgufBuilder& u16(uint16_t v) { return le(v, 2); }
  GgufBuilder& u32(uint32_t v) { return le(v, 4); }
  GgufBuilder& u64(uint64_t v) { return le(v, 8); }
  GgufBuilder& i32(int32_t v) { return le(static_cast<uint32_t>(v), 4); }
  GgufBuilder& i64(int64_t v) { return le(static_cast<uint64_t>(v), 8); }
  GgufBuilder& f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return u32(bits);
  }
  GgufBuilder& f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return u64(bits);
  }
  GgufBuilder& raw(std::string_view s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  GgufBuilder& zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, 0);
    return *this;
  }
  // A GGUF string: u64 length, then the bytes.
  GgufBuilder& str(std::string_view s) { return u64(s.size()).raw(s); }

  // Magic, version, tensor count, kv count.
  GgufBuilder& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }
  // The start of a KV: key and value type. The caller writes the value next.
  GgufBuilder& key(std::string_view k, GgufType type) {
    return str(k).u32(static_cast<uint32_t>(type));
  }
  GgufBuilder& kv_u32(std::string_view k, uint32_t v) { return key(k, GgufType::kUint32).u32(v); }
  GgufBuilder& kv_i32(std::string_view k, int32_t v) { return key(k, GgufType::kInt32).i32(v); }
  GgufBuilder& kv_f32(std::string_view k, float v) { return key(k, GgufType::kFloat32).f32(v); }
  GgufBuilder& kv_bool(std::string_view k, bool v) { return key(k, GgufType::kBool).u8(v); }
  GgufBuilder& kv_string(std::string_view k, std::string_view v) {
    return key(k, GgufType::kString).str(v);
  }
  // Element type and count; the caller writes the elements next.
  GgufBuilder& array_header(GgufType elem, uint64_t count) {
    return u32(static_cast<uint32_t>(elem)).u64(count);
  }
  GgufBuilder& tensor_info(std::string_view name, const std::vector<uint64_t>& dims,
                           uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  GgufBuilder& pad_to(uint64_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
    return *this;
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::span<const uint8_t> span() const { return bytes_; }

 private:
  GgufBuilder& le(uint64_t v, int n) {
    for (int k = 0; k < n; ++k) bytes_.push_back(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }

  std::vector<uint8_t> bytes_;
};

// A small valid v3 file: 9 KVs covering every value type (with a nested array) and three
// tensors (F32 [4, 2] at 0, Q8_0 [32, 2] at 32, F16 [8] at 128), data to the last byte.
inline std::vector<uint8_t> tiny_gguf() {
  GgufBuilder b;
  b.header(3, 3, 9);
  b.kv_string("general.architecture", "llama");
  b.kv_u32("llama.embedding_length", 4);
  b.kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  b.kv_bool("flag", true);
  b.key("small", GgufType::kInt8).u8(0xFE);
  b.key("big", GgufType::kUint64).u64(1ull << 40);
  b.key("pi", GgufType::kFloat64).f64(3.25);
  b.key("tokenizer.ggml.tokens", GgufType::kArray)
      .array_header(GgufType::kString, 3).str("<unk>").str("<s>").str("</s>");
  b.key("nested", GgufType::kArray).array_header(GgufType::kArray, 2);
  b.array_header(GgufType::kInt16, 2).u16(1).u16(0xFFFF);
  b.array_header(GgufType::kUint8, 0);
  b.tensor_info("a.weight", {4, 2}, 0, 0);    // F32, 32 bytes
  b.tensor_info("b.weight", {32, 2}, 8, 32);  // Q8_0, 2 blocks of 34 = 68 bytes
  b.tensor_info("c.norm", {8}, 1, 128);       // F16, 16 bytes
  b.pad_to(32);
  for (int k = 0; k < 8; ++k) b.f32(static_cast<float>(k));  // a.weight
  b.zeros(128 - 32);  // b.weight (68) and padding
  b.zeros(16);        // c.norm
  return b.bytes();
}

}  // namespace herd::test
