#include "server/openai_response.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace herd::server {
namespace {

std::string fake_piece(int32_t id) {
  if (id == 9) return "\xE4\xBD";  // half a character
  return "t" + std::to_string(id);
}

ResponseMeta meta(Endpoint endpoint, bool logprobs = false) {
  ResponseMeta m;
  m.endpoint = endpoint;
  m.id = endpoint == Endpoint::kChatCompletions ? "chatcmpl-abc" : "cmpl-abc";
  m.created = 1700000000;
  m.model = "test-model";
  m.logprobs = logprobs;
  return m;
}

TEST(OpenAiResponse, IdsHaveTheEndpointPrefix) {
  EXPECT_TRUE(std::regex_match(new_response_id(Endpoint::kChatCompletions), std::regex("chatcmpl-[A-Za-z0-9]{24}")));
  EXPECT_TRUE(std::regex_match(new_response_id(Endpoint::kCompletions), std::regex("cmpl-[A-Za-z0-9]{24}")));
  EXPECT_NE(new_response_id(Endpoint::kCompletions), new_response_id(Endpoint::kCompletions));
}

TEST(OpenAiResponse, FinishReasons) {
  EXPECT_STREQ(finish_reason_text(FinishReason::kStop), "stop");
  EXPECT_STREQ(finish_reason_text(FinishReason::kLength), "length");
}

TEST(OpenAiResponse, Usage) {
  const Json u = usage_json({10, 5, 4});
  EXPECT_EQ(u["prompt_tokens"], 10);
  EXPECT_EQ(u["completion_tokens"], 5);
  EXPECT_EQ(u["total_tokens"], 15);
  EXPECT_EQ(u["prompt_tokens_details"]["cached_tokens"], 4);
}

TEST(OpenAiResponse, AccumulatorJoinsDeltasPerChoice) {
  ResponseAccumulator acc(2);
  acc.add({0, "He", {1}, {}, std::nullopt});
  acc.add({1, "Yo", {3}, {}, FinishReason::kLength});
  acc.add({0, "y", {2}, {}, FinishReason::kStop});
  acc.add({7, "ignored", {}, {}, std::nullopt});
  ASSERT_EQ(acc.choices().size(), 2u);
  EXPECT_EQ(acc.choices()[0].text, "Hey");
  EXPECT_EQ(acc.choices()[0].finish, FinishReason::kStop);
  EXPECT_EQ(acc.choices()[1].text, "Yo");
  EXPECT_EQ(acc.choices()[1].finish, FinishReason::kLength);
}

TEST(OpenAiResponse, ChatCompletionShape) {
  std::vector<ChoiceResult> choices(2);
  choices[0].text = "Hello";
  choices[0].finish = FinishReason::kStop;
  choices[1].text = "Hi";
  choices[1].finish = FinishReason::kLength;
  const Json r = response_json(meta(Endpoint::kChatCompletions), choices, {3, 7, 0}, fake_piece);
  EXPECT_EQ(r["id"], "chatcmpl-abc");
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["created"], 1700000000);
  EXPECT_EQ(r["model"], "test-model");
  ASSERT_EQ(r["choices"].size(), 2u);
  EXPECT_EQ(r["choices"][0]["index"], 0);
  EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(r["choices"][0]["message"]["content"], "Hello");
  EXPECT_TRUE(r["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(r["choices"][1]["index"], 1);
  EXPECT_EQ(r["choices"][1]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["total_tokens"], 10);
}

TEST(OpenAiResponse, ChatLogprobs) {
  std::vector<ChoiceResult> choices(1);
  choices[0].text = "t1t9";
  choices[0].logprobs = {{{1, -0.5f}, {{1, -0.5f}, {2, -1.0f}}}, {{9, -2.0f}, {}}};
  const Json r = response_json(meta(Endpoint::kChatCompletions, true), choices, {}, fake_piece);
  const Json& content = r["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["token"], "t1");
  EXPECT_FLOAT_EQ(content[0]["logprob"].get<float>(), -0.5f);
  EXPECT_EQ(content[0]["bytes"], Json::array({116, 49}));
  ASSERT_EQ(content[0]["top_logprobs"].size(), 2u);
  EXPECT_EQ(content[0]["top_logprobs"][1]["token"], "t2");
  EXPECT_EQ(content[0]["top_logprobs"][1]["bytes"], Json::array({116, 50}));
  EXPECT_EQ(content[1]["bytes"], Json::array({0xE4, 0xBD}));
  EXPECT_TRUE(content[1]["top_logprobs"].empty());
  // Half a character still serializes (replaced on the wire; bytes keep the truth).
  EXPECT_NE(to_wire(r).find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(OpenAiResponse, CompletionShapeWithLegacyLogprobs) {
  std::vector<ChoiceResult> choices(1);
  choices[0].text = "t1t22";
  choices[0].logprobs = {{{1, -0.5f}, {{1, -0.5f}, {3, -1.0f}}}, {{22, -0.25f}, {{22, -0.25f}}}};
  choices[0].finish = FinishReason::kLength;
  const Json r = response_json(meta(Endpoint::kCompletions, true), choices, {2, 2, 1}, fake_piece);
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_EQ(r["id"], "cmpl-abc");
  EXPECT_EQ(r["choices"][0]["text"], "t1t22");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  const Json& lp = r["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"], Json::array({"t1", "t22"}));
  EXPECT_EQ(lp["token_logprobs"], Json::array({-0.5, -0.25}));
  EXPECT_EQ(lp["text_offset"], Json::array({0, 2}));
  ASSERT_EQ(lp["top_logprobs"].size(), 2u);
  EXPECT_FLOAT_EQ(lp["top_logprobs"][0]["t3"].get<float>(), -1.0f);
  EXPECT_EQ(r["usage"]["prompt_tokens_details"]["cached_tokens"], 1);
}

TEST(OpenAiResponse, Chunks) {
  const ResponseMeta m = meta(Endpoint::kChatCompletions);
  const Json role = chat_role_chunk(m, 1, false);
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["index"], 1);
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_FALSE(role.contains("usage"));

  int64_t offset = 0;
  const Json content = content_chunk(m, 0, "abc", {}, fake_piece, &offset, true);
  EXPECT_EQ(content["choices"][0]["delta"]["content"], "abc");
  EXPECT_TRUE(content["choices"][0]["finish_reason"].is_null());
  EXPECT_TRUE(content.contains("usage"));
  EXPECT_TRUE(content["usage"].is_null());

  const Json finish = finish_chunk(m, 0, FinishReason::kLength, false);
  EXPECT_TRUE(finish["choices"][0]["delta"].empty());
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");

  const Json usage = usage_chunk(m, {1, 2, 0});
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 3);

  const Json text = content_chunk(meta(Endpoint::kCompletions), 0, "abc", {}, fake_piece, &offset, false);
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "abc");
}

}  // namespace
}  // namespace herd::server
