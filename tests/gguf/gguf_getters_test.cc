#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf_test_builder.h"

namespace herd {
namespace {

using test::GgufBuilder;

class GgufGetters : public ::testing::Test {
 protected:
  void SetUp() override {
    b_.header(3, 0, 13);
    b_.key("u8", GgufType::kUint8).u8(200);
    b_.key("i8", GgufType::kInt8).u8(0x80);
    b_.key("u16", GgufType::kUint16).u16(65535);
    b_.key("i16", GgufType::kInt16).u16(0x8000);
    b_.kv_u32("u32", 4000000000u);
    b_.kv_i32("i32", -7);
    b_.key("u64", GgufType::kUint64).u64(std::numeric_limits<uint64_t>::max());
    b_.key("i64", GgufType::kInt64).i64(std::numeric_limits<int64_t>::min());
    b_.kv_f32("f32", 0.5f);
    b_.key("f64", GgufType::kFloat64).f64(1e300);
    b_.kv_bool("yes", true);
    b_.kv_string("name", "herd");
    b_.key("ids", GgufType::kArray).array_header(GgufType::kInt32, 2).i32(5).i32(-5);
    auto r = GgufFile::parse(b_.span());
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    file_ = std::move(r).value();
  }

  GgufBuilder b_;
  std::unique_ptr<GgufFile> file_;
};

bool has(const Status& s, const std::string& needle) {
  return s.message().find(needle) != std::string::npos;
}

TEST_F(GgufGetters, IntegersOfEveryWidth) {
  EXPECT_EQ(*file_->get_int("u8"), 200);
  EXPECT_EQ(*file_->get_int("i8"), -128);
  EXPECT_EQ(*file_->get_int("u16"), 65535);
  EXPECT_EQ(*file_->get_int("i16"), -32768);
  EXPECT_EQ(*file_->get_int("u32"), 4000000000);
  EXPECT_EQ(*file_->get_int("i32"), -7);
  EXPECT_EQ(*file_->get_int("i64"), std::numeric_limits<int64_t>::min());
  const auto too_big = file_->get_int("u64");
  EXPECT_EQ(too_big.status().code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(too_big.status(), "value 18446744073709551615 does not fit in int64"));
}

TEST_F(GgufGetters, FloatsBoolsStrings) {
  EXPECT_EQ(*file_->get_float("f32"), 0.5);
  EXPECT_EQ(*file_->get_float("f64"), 1e300);
  EXPECT_TRUE(*file_->get_bool("yes"));
  EXPECT_EQ(*file_->get_string("name"), "herd");
}

TEST_F(GgufGetters, WrongTypeIsCorrupt) {
  auto s = file_->get_int("f32").status();
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "metadata key \"f32\" has type f32, expected an integer")) << s.message();
  s = file_->get_float("u32").status();
  EXPECT_TRUE(has(s, "has type u32, expected a float")) << s.message();
  s = file_->get_bool("u8").status();
  EXPECT_TRUE(has(s, "has type u8, expected bool")) << s.message();
  s = file_->get_string("ids").status();
  EXPECT_TRUE(has(s, "has type array of i32, expected string")) << s.message();
  s = file_->get_int("yes").status();
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
}

TEST_F(GgufGetters, MissingIsNotFound) {
  for (const Status& s :
       {file_->get_int("nope").status(), file_->get_float("nope").status(),
        file_->get_bool("nope").status(), file_->get_string("nope").status(),
        file_->get_array("nope", GgufType::kInt32).status()}) {
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    EXPECT_TRUE(has(s, "metadata key \"nope\" not found")) << s.message();
  }
  EXPECT_EQ(file_->find("nope"), nullptr);
}

TEST_F(GgufGetters, Arrays) {
  auto ids = file_->get_array("ids", GgufType::kInt32);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ((*ids)->array.size(), 2u);
  EXPECT_EQ((*ids)->array[1].i, -5);
  auto s = file_->get_array("ids", GgufType::kUint32).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_TRUE(has(s, "has type array of i32, expected array of u32")) << s.message();
  s = file_->get_array("name", GgufType::kString).status();
  EXPECT_TRUE(has(s, "has type string, expected array of string")) << s.message();
}

TEST_F(GgufGetters, Defaults) {
  EXPECT_EQ(*file_->get_int_or("nope", 42), 42);
  EXPECT_EQ(*file_->get_int_or("i32", 42), -7);
  EXPECT_EQ(*file_->get_float_or("nope", 2.5), 2.5);
  EXPECT_EQ(*file_->get_float_or("f32", 2.5), 0.5);
  EXPECT_FALSE(*file_->get_bool_or("nope", false));
  EXPECT_TRUE(*file_->get_bool_or("yes", false));
  // Present with the wrong type is still an error.
  EXPECT_EQ(file_->get_int_or("name", 1).status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(file_->get_float_or("name", 1).status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(file_->get_bool_or("name", true).status().code(), StatusCode::kCorruptFile);
}

}  // namespace
}  // namespace herd
