#include "server/preset.h"

#include <gtest/gtest.h>

namespace herd::server {
namespace {

using nlohmann::json;

TEST(Preset, ParamsBecomeOpenAiFieldsAndUnknownOnesAreDropped) {
  ModelPreset p;
  p.params = {{"temperature", 0.2}, {"top_k", 5}, {"stop", {"a", "b"}}, {"num_predict", 9}, {"num_ctx", 4096},
              {"mirostat", 2}, {"seed", 7}};
  const json d = preset_request_defaults(p);
  EXPECT_EQ(d, (json{{"temperature", 0.2}, {"top_k", 5}, {"stop", {"a", "b"}}, {"seed", 7}, {"max_tokens", 9}})) << d;
  p.params = {{"num_predict", -1}};  // Ollama's "no limit"
  EXPECT_TRUE(preset_request_defaults(p).empty());
  p.params = json::array();  // not an object: nothing
  EXPECT_TRUE(preset_request_defaults(p).empty());
}

TEST(Preset, SystemPromptThenFewShotThenTheRequest) {
  ModelPreset p;
  p.system = "S";
  p.messages = {{"user", "q"}, {"assistant", "a"}};
  std::vector<ChatMessage> out = with_preset_messages(p, {{"user", "hi"}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].role, "system");
  EXPECT_EQ(out[0].content, "S");
  EXPECT_EQ(out[1].content, "q");
  EXPECT_EQ(out[2].content, "a");
  EXPECT_EQ(out[3].content, "hi");
  // The request's own system message joins the preset's.
  out = with_preset_messages(p, {{"system", "R"}, {"user", "hi"}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].content, "S\n\nR");
  EXPECT_EQ(out[3].content, "hi");
  // No preset system prompt: the request's stays first, before the few-shot turns.
  p.system.reset();
  out = with_preset_messages(p, {{"system", "R"}, {"user", "hi"}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].role, "system");
  EXPECT_EQ(out[0].content, "R");
  EXPECT_EQ(out[1].content, "q");
  // No preset at all: unchanged.
  out = with_preset_messages(ModelPreset{}, {{"user", "hi"}});
  ASSERT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace herd::server
