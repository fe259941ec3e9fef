#include "chat/chat_prompt.h"

#include <gtest/gtest.h>

namespace herd::chat {
namespace {

using Json = nlohmann::ordered_json;

Template parse(const std::string& text) {
  Result<Template> t = Template::parse(text);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return std::move(t).value();
}

TEST(ChatPrompt, ChatMlDefault) {
  const Json messages = Json::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}])");
  Result<std::string> r = render_chat_prompt(parse(kChatMlTemplate), messages, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
  ChatPromptParams no_gen;
  no_gen.add_generation_prompt = false;
  EXPECT_EQ(*render_chat_prompt(parse(kChatMlTemplate), messages, no_gen),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n");
}

TEST(ChatPrompt, BosAndEosReachTheTemplate) {
  const Template t = parse("{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}");
  Result<std::string> r =
      render_chat_prompt(t, Json::parse(R"([{"role": "user", "content": "x"}])"), {.bos_token = "<s>", .eos_token = "</s>"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "<s>x</s>");
}

TEST(ChatPrompt, SystemFoldsIntoFirstUserWhenTheTemplateRefusesIt) {
  // Like Gemma's: no system role.
  const Template t = parse(
      "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}"
      "{% endif %}[{{ m.role }}]{{ m.content }}{% endfor %}");
  const Json messages = Json::parse(
      R"([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}])");
  Result<std::string> r = render_chat_prompt(t, messages, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "[user]S\n\nU[assistant]A");
}

TEST(ChatPrompt, RefusalIsInvalidArgumentWithTheTemplatesWords) {
  const Template t = parse("{{ raise_exception('roles must alternate') }}");
  Result<std::string> r = render_chat_prompt(t, Json::parse(R"([{"role": "user", "content": "U"}])"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("roles must alternate"), std::string::npos);
}

}  // namespace
}  // namespace herd::chat
