#include "gateway/price_file.h"

#include <gtest/gtest.h>

namespace herd::gateway {
namespace {

TEST(PriceFileTest, ParsesDecimalTextPerModel) {
  Result<PriceList> p = parse_price_file(
      R"({"qwen2.5:7b": {"input": "0.15", "cached_input": "0.075", "output": "0.6"},
          "me/tiny:q8": {"output": "2", "input": "1"}})");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->size(), 2u);
  std::map<std::string, Price> by_model(p->begin(), p->end());
  EXPECT_EQ(by_model["qwen2.5:7b"].input, 150'000);
  EXPECT_EQ(by_model["qwen2.5:7b"].cached_input, 75'000);
  EXPECT_EQ(by_model["qwen2.5:7b"].output, 600'000);
  // No cached price: cached tokens cost what other input does.
  EXPECT_EQ(by_model["me/tiny:q8"].cached_input, 1'000'000);
  EXPECT_EQ(by_model["me/tiny:q8"].output, 2'000'000);
  EXPECT_TRUE(parse_price_file("{}").ok());
}

TEST(PriceFileTest, IsStrict) {
  const char* bad[] = {
      R"([])",
      R"({"m": {"input": 0.15, "output": "1"}})",        // a float would not be exact
      R"({"m": {"input": "0.15", "output": "1", "extra": "1"}})",
      R"({"m": {"input": "0.15"}})",                     // no output
      R"({"m": {"output": "1"}})",                       // no input
      R"({"m": {"input": "-1", "output": "1"}})",
      R"({"m": {"input": "", "output": "1"}})",
      R"({"m": "0.15"})",
      R"({"bad name": {"input": "1", "output": "1"}})",
      R"({"": {"input": "1", "output": "1"}})",
      "{\"caf\xC3\xA9\": {\"input\": \"1\", \"output\": \"1\"}}",  // not ASCII
      R"({"m": {"input": "1", "output": "1"}, )",
      R"({"m": {"input": {"x": "1"}, "output": "1"}})",
  };
  for (const char* text : bad) {
    Result<PriceList> p = parse_price_file(text);
    EXPECT_FALSE(p.ok()) << text;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(PriceFileTest, PriceFromText) {
  Result<Price> p = price_from_text("1", "", "3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->cached_input, 1'000'000);
  EXPECT_FALSE(price_from_text("1", "x", "3").ok());
  EXPECT_FALSE(price_from_text("1", "0.5", "").ok());
}

}  // namespace
}  // namespace herd::gateway
