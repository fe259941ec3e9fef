// A corpus of malformed GGUF files, each built field by field: every one must give a
// kCorruptFile Status naming the problem, never a crash, hang or huge allocation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf_test_builder.h"

namespace herd {
namespace {

using test::GgufBuilder;

constexpr uint64_t k2p63 = 1ull << 63;
constexpr uint64_t kMax64 = ~0ull;

// Parses and, when it works, exercises what a consumer would touch.
Status parse_status(std::span<const uint8_t> bytes) {
  auto r = GgufFile::parse(bytes);
  if (!r.ok()) return r.status();
  const GgufFile& f = **r;
  EXPECT_FALSE(describe_gguf(f).empty());
  for (const GgufKv& kv : f.metadata()) {
    (void)f.get_int(kv.key);
    (void)f.get_string(kv.key);
  }
  for (const GgufTensor& t : f.tensors()) {
    EXPECT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size());
  }
  return Status::ok_status();
}

void expect_corrupt(const GgufBuilder& b, const std::string& needle) {
  const Status s = parse_status(b.span());
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile) << s.to_string();
  EXPECT_NE(s.message().find(needle), std::string::npos)
      << "message: " << s.message() << "\nwanted: " << needle;
}

// One tensor "t" with the given fields, after a header with no KVs, plus `data` bytes.
GgufBuilder one_tensor(const std::vector<uint64_t>& dims, uint32_t type, uint64_t offset,
                       size_t data = 64) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor_info("t", dims, type, offset).pad_to(32).zeros(data);
  return b;
}

// One KV whose key is `key` and whose type and value bytes the caller appends.
GgufBuilder one_kv(std::string_view key, GgufType type) {
  GgufBuilder b;
  b.header(3, 0, 1).key(key, type);
  return b;
}

TEST(GgufCorrupt, TinyFileIsValid) { EXPECT_TRUE(parse_status(test::tiny_gguf()).ok()); }

TEST(GgufCorrupt, EveryTruncationFails) {
  const auto bytes = test::tiny_gguf();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);  // owned, so ASan sees overreads
    const Status s = parse_status(prefix);
    EXPECT_EQ(s.code(), StatusCode::kCorruptFile) << "prefix of " << n << " bytes";
    EXPECT_FALSE(s.message().empty());
  }
}

TEST(GgufCorrupt, EveryByteMutationIsHandled) {
  const auto bytes = test::tiny_gguf();
  int n_ok = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      auto mutated = bytes;
      mutated[i] = v;
      const Status s = parse_status(mutated);
      if (s.ok()) {
        ++n_ok;
      } else {
        EXPECT_EQ(s.code(), StatusCode::kCorruptFile) << s.to_string();
      }
    }
  }
  EXPECT_GT(n_ok, 0);  // changing tensor data or a value still gives a valid file
}

TEST(GgufCorrupt, Header) {
  expect_corrupt(GgufBuilder(), "file of 0 bytes is too small to hold the GGUF magic");
  expect_corrupt(GgufBuilder().raw("GGU"), "file of 3 bytes");
  expect_corrupt(GgufBuilder().raw("GGUF"), "unexpected end of file reading version at offset 4");
  expect_corrupt(GgufBuilder().raw("GGML").u32(3).u64(0).u64(0), "bad magic \"GGML\"");
  expect_corrupt(GgufBuilder().raw("\x7f" "ELF").u32(3), "bad magic \"\\x7fELF\"");
  expect_corrupt(GgufBuilder().header(1, 0, 0), "GGUF version 1 is not supported");
  expect_corrupt(GgufBuilder().header(99, 0, 0), "unsupported GGUF version 99");
  expect_corrupt(GgufBuilder().header(0, 0, 0), "unsupported GGUF version 0");
  expect_corrupt(GgufBuilder().header(0x03000000, 0, 0), "big-endian");
  expect_corrupt(GgufBuilder().raw("GGUF").u32(3).u64(0),
                 "unexpected end of file reading metadata kv count at offset 16");
}

TEST(GgufCorrupt, HugeCounts) {
  for (uint64_t n : {k2p63, kMax64, uint64_t{1} << 40}) {
    expect_corrupt(GgufBuilder().header(3, n, 0), "tensor count " + std::to_string(n) +
                                                      " exceeds remaining 0 bytes");
    expect_corrupt(GgufBuilder().header(3, 0, n).zeros(100),
                   "metadata kv count " + std::to_string(n) + " exceeds remaining 100 bytes");
  }
  // 2 KVs cannot fit in 20 bytes.
  expect_corrupt(GgufBuilder().header(3, 0, 2).zeros(20), "metadata kv count 2 exceeds");
  // The tensor count is checked again after the metadata.
  GgufBuilder b;
  b.header(3, 2, 1).kv_string("long", std::string(100, 'x')).zeros(40);
  expect_corrupt(b, "tensor count 2 exceeds remaining 40 bytes");
}

TEST(GgufCorrupt, HugeArrayCounts) {
  for (uint64_t n : {k2p63, kMax64}) {
    GgufBuilder b = one_kv("tokenizer.ggml.tokens", GgufType::kArray);
    b.array_header(GgufType::kString, n).str("a").str("b");
    expect_corrupt(b, "metadata key \"tokenizer.ggml.tokens\": array count " + std::to_string(n) +
                          " exceeds remaining 18 bytes");
  }
  GgufBuilder nested = one_kv("x", GgufType::kArray);
  nested.array_header(GgufType::kArray, 1).array_header(GgufType::kUint8, k2p63).u8(1);
  expect_corrupt(nested, "metadata key \"x\": array element 0: array count 9223372036854775808");
}

TEST(GgufCorrupt, Dims) {
  expect_corrupt(one_tensor({1, 1, 1, 1, 1}, 0, 0), "tensor \"t\": n_dims 5 is outside 1..4");
  expect_corrupt(one_tensor({}, 0, 0), "tensor \"t\": n_dims 0 is outside 1..4");
  GgufBuilder many;
  many.header(3, 1, 0).str("t").u32(0xFFFFFFFF).zeros(64);
  expect_corrupt(many, "n_dims 4294967295 is outside 1..4");
  expect_corrupt(one_tensor({4, 0}, 0, 0), "tensor \"t\": dim 1 is 0");
  expect_corrupt(one_tensor({1ull << 32, 1ull << 32}, 0, 0),
                 "tensor \"t\": element count of dims [4294967296, 4294967296] overflows 64 bits");
  expect_corrupt(one_tensor({kMax64, 2}, 0, 0), "overflows 64 bits");
  // The element count fits but the byte count (4 bytes each) does not.
  expect_corrupt(one_tensor({1ull << 31, 1ull << 31}, 0, 0),
                 "tensor \"t\": byte size of 4611686018427387904 F32 elements overflows");
  expect_corrupt(one_tensor({33, 2}, 8, 0),
                 "tensor \"t\": row length dims[0] 33 is not a multiple of the Q8_0 block size 32");
  expect_corrupt(one_tensor({128}, 12, 0), "not a multiple of the Q4_K block size 256");
  // A huge but well-formed tensor is simply past the end of the file.
  expect_corrupt(one_tensor({1ull << 20, 1ull << 20, 1ull << 20}, 0, 0), "ends past end of file");
}

TEST(GgufCorrupt, TensorTypes) {
  expect_corrupt(one_tensor({32}, 5, 0), "tensor \"t\": unknown tensor type id 5");
  expect_corrupt(one_tensor({32}, 1000, 0), "tensor \"t\": unknown tensor type id 1000");
  expect_corrupt(one_tensor({32}, 0xFFFFFFFF, 0), "unknown tensor type id 4294967295");
}

TEST(GgufCorrupt, Offsets) {
  // Header of one_tensor(): 24 + (8+1) + 4 + 8 + 4 + 8 = 57 bytes, padded to 64.
  expect_corrupt(one_tensor({16}, 0, 32, 64), "tensor \"t\": data [96, 160) ends past end of file (size 128)");
  expect_corrupt(one_tensor({16}, 0, 0, 63), "data [64, 128) ends past end of file (size 127)");
  expect_corrupt(one_tensor({16}, 0, 4), "tensor \"t\": offset 4 is not a multiple of the alignment 32");
  expect_corrupt(one_tensor({16}, 0, kMax64 - 31), "data [overflow, overflow) ends past end of file");
  expect_corrupt(one_tensor({8}, 0, k2p63), "ends past end of file");
  // Data starts past the end: the file stops inside the padding.
  GgufBuilder b;
  b.header(3, 1, 0).tensor_info("t", {1}, 0, 0);
  expect_corrupt(b, "tensor data would start at offset 64 (header end 57 aligned to 32), past end of file (size 57)");
  // A tensor of exactly the remaining bytes is fine; one more byte is not.
  EXPECT_TRUE(parse_status(one_tensor({16}, 0, 0, 64).span()).ok());
  EXPECT_TRUE(parse_status(one_tensor({16}, 0, 0, 65).span()).ok());  // trailing bytes
}

TEST(GgufCorrupt, Alignment) {
  for (uint32_t a : {0u, 3u, 48u, 0xFFFFFFFFu}) {
    GgufBuilder b;
    b.header(3, 0, 1).kv_u32("general.alignment", a);
    expect_corrupt(b, "general.alignment " + std::to_string(a) + " is not a nonzero power of two");
  }
  GgufBuilder u64;
  u64.header(3, 0, 1).key("general.alignment", GgufType::kUint64).u64(32);
  expect_corrupt(u64, "metadata key \"general.alignment\" has type u64; the spec requires u32");
  GgufBuilder i32;
  i32.header(3, 0, 1).kv_i32("general.alignment", 32);
  expect_corrupt(i32, "has type i32; the spec requires u32");
  GgufBuilder str;
  str.header(3, 0, 1).kv_string("general.alignment", "32");
  expect_corrupt(str, "has type string");
  // A large alignment applies to offsets and the data start.
  GgufBuilder big;
  big.header(3, 1, 1).kv_u32("general.alignment", 1u << 31).tensor_info("t", {1}, 0, 0);
  expect_corrupt(big, "tensor data would start at offset 2147483648");
  GgufBuilder off;
  off.header(3, 1, 1).kv_u32("general.alignment", 64).tensor_info("t", {1}, 0, 32).pad_to(64).zeros(128);
  expect_corrupt(off, "offset 32 is not a multiple of the alignment 64");
}

TEST(GgufCorrupt, ValueTypes) {
  GgufBuilder unknown = one_kv("general.x", static_cast<GgufType>(13));
  unknown.u32(0);
  expect_corrupt(unknown, "metadata key \"general.x\": unknown value type 13 at offset 41");
  GgufBuilder huge_type = one_kv("y", static_cast<GgufType>(0x80000000));
  huge_type.u32(0);
  expect_corrupt(huge_type, "metadata key \"y\": unknown value type 2147483648");
  GgufBuilder elem = one_kv("z", GgufType::kArray);
  elem.array_header(static_cast<GgufType>(99), 0);
  expect_corrupt(elem, "metadata key \"z\": unknown array element type 99");
  GgufBuilder boolean = one_kv("b", GgufType::kBool);
  boolean.u8(2);
  expect_corrupt(boolean, "metadata key \"b\": bool value 2");
}

TEST(GgufCorrupt, KeysAndNames) {
  GgufBuilder dup;
  dup.header(3, 0, 3).kv_u32("a", 1).kv_u32("b", 2).kv_string("a", "x");
  expect_corrupt(dup, "duplicate metadata key \"a\" (kv #2 at offset 58)");
  GgufBuilder empty_key;
  empty_key.header(3, 0, 1).kv_u32("", 1);
  expect_corrupt(empty_key, "metadata kv #0 at offset 24 has an empty key");
  GgufBuilder dup_tensor;
  dup_tensor.header(3, 2, 0).tensor_info("t", {8}, 0, 0).tensor_info("t", {8}, 0, 32);
  dup_tensor.pad_to(32).zeros(64);
  expect_corrupt(dup_tensor, "duplicate tensor \"t\" (tensor info #1");
  GgufBuilder empty_name;
  empty_name.header(3, 1, 0).tensor_info("", {8}, 0, 0).pad_to(32).zeros(32);
  expect_corrupt(empty_name, "tensor info #0 at offset 24 has an empty name");
  // Hostile bytes in a key are escaped in the message.
  GgufBuilder odd = one_kv("\x1b[2J", static_cast<GgufType>(20));
  expect_corrupt(odd, "metadata key \"\\x1b[2J\": unknown value type 20");
}

TEST(GgufCorrupt, StringsLongerThanTheFile) {
  GgufBuilder key;
  key.header(3, 0, 1).u64(1000).raw("abc").zeros(20);
  expect_corrupt(key, "metadata kv #0: key length 1000 at offset 24 exceeds remaining 23 bytes");
  GgufBuilder value = one_kv("s", GgufType::kString);
  value.u64(kMax64).raw("abc");
  expect_corrupt(value, "metadata key \"s\": string length 18446744073709551615 at offset 37 exceeds remaining 3 bytes");
  GgufBuilder name;
  name.header(3, 1, 0).u64(k2p63).zeros(64);
  expect_corrupt(name, "tensor info #0: name length 9223372036854775808 at offset 24 exceeds remaining 64 bytes");
}

TEST(GgufCorrupt, DeeplyNestedArrays) {
  GgufBuilder b = one_kv("deep", GgufType::kArray);
  for (int k = 0; k < 20; ++k) b.array_header(GgufType::kArray, 1);
  b.array_header(GgufType::kUint8, 0);
  expect_corrupt(b, "arrays nested deeper than 8 levels");
  expect_corrupt(b, "metadata key \"deep\": array element 0:");

  GgufBuilder ok = one_kv("deep", GgufType::kArray);
  for (int k = 0; k < kGgufMaxArrayDepth - 1; ++k) ok.array_header(GgufType::kArray, 1);
  ok.array_header(GgufType::kUint8, 0);
  EXPECT_TRUE(parse_status(ok.span()).ok());
}

}  // namespace
}  // namespace herd
