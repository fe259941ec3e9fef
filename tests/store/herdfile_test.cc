#include "store/herdfile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd::store {
namespace {

TEST(HerdfileTest, ParsesEveryInstruction) {
  const std::string text = R"(# a pirate
FROM stories260K
system """You are a pirate.
Answer in one line."""
PARAMETER temperature 0.3
PARAMETER top_k 20
PARAMETER stop "<|im_end|>"
PARAMETER stop Arr
TEMPLATE """{{ messages[0].content }}"""
MESSAGE user Hello there
MESSAGE assistant """Arr,
matey"""
ADAPTER ./pirate-lora.gguf
LICENSE MIT
)";
  Result<Herdfile> h = Herdfile::parse(text);
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->from, "stories260K");
  EXPECT_EQ(h->system, "You are a pirate.\nAnswer in one line.");
  EXPECT_DOUBLE_EQ(h->params["temperature"].get<double>(), 0.3);
  EXPECT_TRUE(h->params["top_k"].is_number_integer());
  EXPECT_EQ(h->params["top_k"], 20);
  EXPECT_EQ(h->params["stop"], nlohmann::json::array({"<|im_end|>", "Arr"}));
  EXPECT_EQ(h->chat_template, "{{ messages[0].content }}");
  ASSERT_EQ(h->messages.size(), 2u);
  EXPECT_EQ(h->messages[0].role, "user");
  EXPECT_EQ(h->messages[0].content, "Hello there");
  EXPECT_EQ(h->messages[1].content, "Arr,\nmatey");
  EXPECT_EQ(h->adapter, "./pirate-lora.gguf");
  EXPECT_EQ(h->license, "MIT");
}

TEST(HerdfileTest, ErrorsNameTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PARAMETER temperature 1\n", "no FROM"},
      {"FROM a\nFROM b\n", "line 2: FROM given twice"},
      {"FROM a\n\nPARAMETER temperature hot\n", "line 3: parameter temperature wants a number"},
      {"FROM a\nPARAMETER top_k 1.5\n", "line 2: parameter top_k wants an integer"},
      {"FROM a\nPARAMETER warmth 1\n", "line 2: unknown parameter \"warmth\""},
      {"FROM a\nPARAMETER temperature\n", "line 2: PARAMETER needs a name and a value"},
      {"FROM a\nMESSAGE robot hi\n", "line 2: MESSAGE role"},
      {"FROM a\nSYSTEM \"\"\"never closed\n", "line 2: a \"\"\" quote is never closed"},
      {"FROM a\nSYSTEM \"\"\"x\"\"\" trailing\n", "text after a closing"},
      {"FROM a\nRUN rm -rf /\n", "line 2: unknown instruction \"run\""},
      {"FROM a\nSYSTEM \"\"\"two\nlines\"\"\"\nBOGUS\n", "line 4: unknown instruction"},
      {"FROM a\nPARAMETER temperature nan\n", "wants a number"},
  };
  for (const auto& [text, needle] : cases) {
    const Status s = Herdfile::parse(text).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find(needle), std::string::npos) << "wanted \"" << needle << "\" in: " << s.message();
  }
}

TEST(HerdfileTest, CommentsBlankLinesAndCase) {
  Result<Herdfile> h = Herdfile::parse("\n  # c\nfrom ./m.gguf\nParameter Seed 42\n");
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->from, "./m.gguf");
  EXPECT_EQ(h->params["seed"], 42);
  EXPECT_FALSE(h->system.has_value());
}

}  // namespace
}  // namespace herd::store
