#include "base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace herd {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
  EXPECT_TRUE(Status::ok_status().ok());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = corrupt_file("tensor 3 offset past end of file");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruptFile);
  EXPECT_EQ(s.message(), "tensor 3 offset past end of file");
  EXPECT_EQ(s.to_string(), "corrupt file: tensor 3 offset past end of file");
}

TEST(StatusTest, FactoriesSetTheirCodes) {
  EXPECT_EQ(invalid_argument("m").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_found("m").code(), StatusCode::kNotFound);
  EXPECT_EQ(io_error("m").code(), StatusCode::kIoError);
  EXPECT_EQ(corrupt_file("m").code(), StatusCode::kCorruptFile);
  EXPECT_EQ(unsupported("m").code(), StatusCode::kUnsupported);
  EXPECT_EQ(out_of_range("m").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(resource_exhausted("m").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(internal_error("m").code(), StatusCode::kInternal);
}

TEST(StatusTest, CodeNamesAreDistinctAndUsedByToString) {
  const StatusCode codes[] = {StatusCode::kOk,          StatusCode::kInvalidArgument,
                              StatusCode::kNotFound,    StatusCode::kIoError,
                              StatusCode::kCorruptFile, StatusCode::kUnsupported,
                              StatusCode::kOutOfRange,  StatusCode::kResourceExhausted,
                              StatusCode::kInternal};
  for (size_t i = 0; i < std::size(codes); ++i) {
    for (size_t j = i + 1; j < std::size(codes); ++j) {
      EXPECT_STRNE(status_code_name(codes[i]), status_code_name(codes[j]));
    }
  }
  EXPECT_STREQ(status_code_name(StatusCode::kNotFound), "not found");
  EXPECT_EQ(not_found("x.gguf").to_string(), "not found: x.gguf");
  EXPECT_EQ(internal_error("bad").to_string(), "internal error: bad");
}

TEST(StatusTest, WithContextPrependsAndKeepsCode) {
  Status s = not_found("no such tensor").with_context("reading foo.gguf");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "reading foo.gguf: no such tensor");
  Status twice = s.with_context("loading model");
  EXPECT_EQ(twice.message(), "loading model: reading foo.gguf: no such tensor");
  EXPECT_EQ(twice.to_string(), "not found: loading model: reading foo.gguf: no such tensor");
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  Status s = Status().with_context("anything");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = out_of_range("id 9 past vocab");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(r.status().message(), "id 9 past vocab");
}

TEST(ResultTest, ArrowAndMoveOut) {
  Result<std::string> r = std::string("hello");
  EXPECT_EQ(r->size(), 5u);
  std::string s = std::move(r).value();
  EXPECT_EQ(s, "hello");

  Result<std::unique_ptr<int>> p = std::make_unique<int>(5);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(ResultTest, ConstAccess) {
  const Result<std::string> r = std::string("abc");
  EXPECT_EQ(r.value(), "abc");
  EXPECT_EQ(*r, "abc");
  EXPECT_EQ(r->size(), 3u);
}

// Helpers for the macro tests: a counter shows whether code after the macro ran.
Status fail_if(bool fail) { return fail ? io_error("disk gone") : Status(); }

Status two_steps(bool fail_first, bool fail_second, int* steps) {
  HERD_RETURN_IF_ERROR(fail_if(fail_first));
  ++*steps;
  HERD_RETURN_IF_ERROR(fail_if(fail_second));
  ++*steps;
  return Status();
}

TEST(MacroTest, ReturnIfErrorStopsAtFirstError) {
  int steps = 0;
  EXPECT_TRUE(two_steps(false, false, &steps).ok());
  EXPECT_EQ(steps, 2);

  steps = 0;
  Status s = two_steps(true, false, &steps);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "disk gone");
  EXPECT_EQ(steps, 0);

  steps = 0;
  s = two_steps(false, true, &steps);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(steps, 1);
}

Result<int> parse_positive(int x) {
  if (x <= 0) return invalid_argument("not positive: " + std::to_string(x));
  return x;
}

Result<std::unique_ptr<int>> make_box(int x) {
  if (x < 0) return out_of_range("negative");
  return std::make_unique<int>(x);
}

// Two ASSIGN_OR_RETURNs on separate lines in one scope must not collide.
Result<int> sum_two(int a, int b, int* reached) {
  HERD_ASSIGN_OR_RETURN(int x, parse_positive(a));
  ++*reached;
  HERD_ASSIGN_OR_RETURN(int y, parse_positive(b));
  ++*reached;
  return x + y;
}

TEST(MacroTest, AssignOrReturnAssignsOrPropagates) {
  int reached = 0;
  Result<int> r = sum_two(3, 4, &reached);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(reached, 2);

  reached = 0;
  r = sum_two(-1, 4, &reached);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "not positive: -1");
  EXPECT_EQ(reached, 0);

  reached = 0;
  r = sum_two(2, 0, &reached);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "not positive: 0");
  EXPECT_EQ(reached, 1);
}

Status box_plus_one(int x, int* out) {
  HERD_ASSIGN_OR_RETURN(auto box, make_box(x));
  *out = *box + 1;
  return Status();
}

Status assign_existing(int x, int* out) {
  int v = -100;
  HERD_ASSIGN_OR_RETURN(v, parse_positive(x));
  *out = v;
  return Status();
}

TEST(MacroTest, AssignOrReturnWorksWithMoveOnlyAndExistingVariables) {
  int out = 0;
  EXPECT_TRUE(box_plus_one(9, &out).ok());
  EXPECT_EQ(out, 10);
  out = 0;
  Status s = box_plus_one(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(out, 0);

  EXPECT_TRUE(assign_existing(5, &out).ok());
  EXPECT_EQ(out, 5);
  out = 0;
  EXPECT_EQ(assign_existing(-5, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 0);
}

}  // namespace
}  // namespace herd
