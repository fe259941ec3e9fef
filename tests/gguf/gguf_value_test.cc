#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/gguf_value_reader.h"
#include "gguf_test_builder.h"

namespace herd {
namespace {

using test::GgufBuilder;

// Reads one value of `type` from the builder's bytes; checks all bytes were used.
Status read_value(const GgufBuilder& b, GgufType type, GgufValue& out, int depth = 0) {
  GgufCursor cur(b.span());
  GgufArrayBudget budget;
  Status s = read_gguf_value(cur, type, depth, budget, out);
  if (s.ok()) {
    EXPECT_EQ(cur.remaining(), 0u);
  }
  return s;
}

bool has(const Status& s, const std::string& needle) {
  return s.message().find(needle) != std::string::npos;
}

TEST(GgufValue, TypeNames) {
  EXPECT_EQ(gguf_type_name(GgufType::kUint8), "u8");
  EXPECT_EQ(gguf_type_name(GgufType::kInt32), "i32");
  EXPECT_EQ(gguf_type_name(GgufType::kFloat64), "f64");
  EXPECT_EQ(gguf_type_name(GgufType::kString), "string");
  EXPECT_EQ(gguf_type_name(GgufType::kArray), "array");
  EXPECT_EQ(gguf_type_name(static_cast<GgufType>(77)), "?");
  EXPECT_TRUE(gguf_type_is_known(12));
  EXPECT_FALSE(gguf_type_is_known(13));
}

TEST(GgufValue, IntegerAndFloatKinds) {
  GgufValue v;
  for (GgufType t : {GgufType::kUint8, GgufType::kInt8, GgufType::kUint16, GgufType::kInt16,
                     GgufType::kUint32, GgufType::kInt32, GgufType::kUint64, GgufType::kInt64}) {
    v.type = t;
    EXPECT_TRUE(v.is_integer());
    EXPECT_FALSE(v.is_float());
  }
  for (GgufType t : {GgufType::kFloat32, GgufType::kFloat64}) {
    v.type = t;
    EXPECT_TRUE(v.is_float());
    EXPECT_FALSE(v.is_integer());
  }
  for (GgufType t : {GgufType::kBool, GgufType::kString, GgufType::kArray}) {
    v.type = t;
    EXPECT_FALSE(v.is_float());
    EXPECT_FALSE(v.is_integer());
  }
}

TEST(GgufValue, MinBytes) {
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kUint8), 1u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kBool), 1u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kInt16), 2u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kFloat32), 4u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kInt64), 8u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kString), 8u);
  EXPECT_EQ(gguf_type_min_bytes(GgufType::kArray), 12u);
}

TEST(GgufValue, ReadsSignedScalarsWithSignExtension) {
  GgufValue v;
  ASSERT_TRUE(read_value(GgufBuilder().u8(0x80), GgufType::kInt8, v).ok());
  EXPECT_EQ(v.i, -128);
  ASSERT_TRUE(read_value(GgufBuilder().u16(0xFFFE), GgufType::kInt16, v).ok());
  EXPECT_EQ(v.i, -2);
  ASSERT_TRUE(read_value(GgufBuilder().i32(-123456), GgufType::kInt32, v).ok());
  EXPECT_EQ(v.i, -123456);
  ASSERT_TRUE(read_value(GgufBuilder().i64(-(1ll << 40)), GgufType::kInt64, v).ok());
  EXPECT_EQ(v.i, -(1ll << 40));
  EXPECT_EQ(v.type, GgufType::kInt64);
}

TEST(GgufValue, ReadsUnsignedScalars) {
  GgufValue v;
  ASSERT_TRUE(read_value(GgufBuilder().u8(0xFF), GgufType::kUint8, v).ok());
  EXPECT_EQ(v.u, 255u);
  ASSERT_TRUE(read_value(GgufBuilder().u16(0xFFFF), GgufType::kUint16, v).ok());
  EXPECT_EQ(v.u, 65535u);
  ASSERT_TRUE(read_value(GgufBuilder().u32(0xFFFFFFFF), GgufType::kUint32, v).ok());
  EXPECT_EQ(v.u, 4294967295u);
  ASSERT_TRUE(read_value(GgufBuilder().u64(~0ull), GgufType::kUint64, v).ok());
  EXPECT_EQ(v.u, ~0ull);
}

TEST(GgufValue, ReadsFloats) {
  GgufValue v;
  ASSERT_TRUE(read_value(GgufBuilder().f32(1e-5f), GgufType::kFloat32, v).ok());
  EXPECT_EQ(v.f, static_cast<double>(1e-5f));
  ASSERT_TRUE(read_value(GgufBuilder().f64(-2.5e300), GgufType::kFloat64, v).ok());
  EXPECT_EQ(v.f, -2.5e300);
  ASSERT_TRUE(read_value(GgufBuilder().u32(0x7fc00000), GgufType::kFloat32, v).ok());
  EXPECT_TRUE(std::isnan(v.f));  // NaN is a value, not an error
}

TEST(GgufValue, Bool) {
  GgufValue v;
  ASSERT_TRUE(read_value(GgufBuilder().u8(1), GgufType::kBool, v).ok());
  EXPECT_EQ(v.u, 1u);
  ASSERT_TRUE(read_value(GgufBuilder().u8(0), GgufType::kBool, v).ok());
  EXPECT_EQ(v.u, 0u);
  const Status s = read_value(GgufBuilder().u8(2), GgufType::kBool, v);
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "bool value 2 at offset 0 is neither 0 nor 1")) << s.message();
}

TEST(GgufValue, StringIsAViewOfTheBytes) {
  GgufBuilder b;
  b.str(std::string("a\0\xff", 3));  // any bytes, not only UTF-8
  GgufValue v;
  ASSERT_TRUE(read_value(b, GgufType::kString, v).ok());
  EXPECT_EQ(v.str, std::string_view("a\0\xff", 3));
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(v.str.data()), b.bytes().data() + 8);
}

TEST(GgufValue, Arrays) {
  GgufValue v;
  GgufBuilder b;
  b.array_header(GgufType::kUint32, 3).u32(7).u32(8).u32(9);
  ASSERT_TRUE(read_value(b, GgufType::kArray, v).ok());
  EXPECT_EQ(v.type, GgufType::kArray);
  EXPECT_EQ(v.elem_type, GgufType::kUint32);
  ASSERT_EQ(v.array.size(), 3u);
  EXPECT_EQ(v.array[2].type, GgufType::kUint32);
  EXPECT_EQ(v.array[2].u, 9u);

  GgufBuilder empty;
  empty.array_header(GgufType::kString, 0);
  ASSERT_TRUE(read_value(empty, GgufType::kArray, v).ok());
  EXPECT_EQ(v.elem_type, GgufType::kString);
  EXPECT_TRUE(v.array.empty());
}

TEST(GgufValue, NestedArrays) {
  GgufBuilder b;
  b.array_header(GgufType::kArray, 2);
  b.array_header(GgufType::kString, 1).str("x");
  b.array_header(GgufType::kFloat32, 2).f32(1.5f).f32(-2.0f);
  GgufValue v;
  ASSERT_TRUE(read_value(b, GgufType::kArray, v).ok());
  ASSERT_EQ(v.array.size(), 2u);
  EXPECT_EQ(v.array[0].elem_type, GgufType::kString);
  EXPECT_EQ(v.array[0].array[0].str, "x");
  EXPECT_EQ(v.array[1].elem_type, GgufType::kFloat32);
  EXPECT_EQ(v.array[1].array[1].f, -2.0);
}

GgufBuilder nested(int levels) {
  GgufBuilder b;
  for (int k = 0; k < levels - 1; ++k) b.array_header(GgufType::kArray, 1);
  b.array_header(GgufType::kUint8, 1).u8(42);
  return b;
}

TEST(GgufValue, NestingDepthIsBounded) {
  GgufValue v;
  ASSERT_TRUE(read_value(nested(kGgufMaxArrayDepth), GgufType::kArray, v).ok());
  const GgufValue* p = &v;
  for (int k = 0; k < kGgufMaxArrayDepth; ++k) p = &p->array[0];
  EXPECT_EQ(p->u, 42u);

  const Status s = read_value(nested(kGgufMaxArrayDepth + 1), GgufType::kArray, v);
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "arrays nested deeper than 8 levels")) << s.message();
  EXPECT_TRUE(has(s, "array element 0: array element 0")) << s.message();
}

TEST(GgufValue, HugeNestingFailsFast) {
  GgufBuilder b;
  for (int k = 0; k < 100000; ++k) b.array_header(GgufType::kArray, 1);
  GgufValue v;
  EXPECT_FALSE(read_value(b, GgufType::kArray, v).ok());
}

TEST(GgufValue, ArrayErrors) {
  GgufValue v;
  GgufBuilder unknown;
  unknown.array_header(static_cast<GgufType>(13), 1).u8(0);
  Status s = read_value(unknown, GgufType::kArray, v);
  EXPECT_TRUE(has(s, "unknown array element type 13 at offset 0")) << s.message();

  GgufBuilder huge;
  huge.array_header(GgufType::kUint8, 1ull << 63).zeros(4);
  s = read_value(huge, GgufType::kArray, v);
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "array count 9223372036854775808 exceeds remaining 4 bytes")) << s.message();

  // Empty arrays take 12 bytes each, so 2 of them do not fit in 20 bytes.
  GgufBuilder arrays;
  arrays.array_header(GgufType::kArray, 2).zeros(20);
  s = read_value(arrays, GgufType::kArray, v);
  EXPECT_TRUE(has(s, "array count 2 exceeds remaining 20 bytes")) << s.message();

  GgufBuilder truncated;
  truncated.array_header(GgufType::kUint32, 2).u32(1).u16(0);
  s = read_value(truncated, GgufType::kArray, v);
  EXPECT_TRUE(has(s, "array count 2 exceeds remaining 6 bytes")) << s.message();

  GgufBuilder bad_elem;
  bad_elem.array_header(GgufType::kString, 2).str("a").u64(100).zeros(3);
  s = read_value(bad_elem, GgufType::kArray, v);
  EXPECT_TRUE(has(s, "array element 1: string length 100")) << s.message();
}

TEST(GgufValue, ElementBudgetIsShared) {
  GgufBuilder b;
  b.array_header(GgufType::kUint8, 4).zeros(4);
  b.array_header(GgufType::kUint8, 4).zeros(4);
  GgufCursor cur(b.span());
  GgufArrayBudget budget{6};
  GgufValue v;
  ASSERT_TRUE(read_gguf_value(cur, GgufType::kArray, 0, budget, v).ok());
  EXPECT_EQ(budget.elements_left, 2u);
  const Status s = read_gguf_value(cur, GgufType::kArray, 0, budget, v);
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "array count 4 at offset 20 goes past herd's limit")) << s.message();
}

TEST(GgufValue, ReadTypeRejectsUnknownIds) {
  GgufBuilder b;
  b.u32(9).u32(13).u32(0xFFFFFFFF);
  GgufCursor cur(b.span());
  GgufType t;
  ASSERT_TRUE(read_gguf_type(cur, t, "value type").ok());
  EXPECT_EQ(t, GgufType::kArray);
  Status s = read_gguf_type(cur, t, "value type");
  EXPECT_TRUE(has(s, "unknown value type 13 at offset 4")) << s.message();
}

}  // namespace
}  // namespace herd
