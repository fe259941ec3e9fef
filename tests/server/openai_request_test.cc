#include "server/openai_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace herd::server {
namespace {

const std::vector<std::string> kNames = {"test-model", "alias"};

struct Parsed {
  Result<OpenAiRequest> r;
  std::string param;
};

Parsed chat(const std::string& body, const RequestLimits& limits = {}) {
  Parsed p{invalid_argument("unset"), ""};
  p.r = parse_openai_request(body, Endpoint::kChatCompletions, limits, kNames, &p.param);
  return p;
}

Parsed completion(const std::string& body, const RequestLimits& limits = {}) {
  Parsed p{invalid_argument("unset"), ""};
  p.r = parse_openai_request(body, Endpoint::kCompletions, limits, kNames, &p.param);
  return p;
}

// The request with `extra` (a JSON fragment like "\"n\": 2") added to a valid chat body.
Parsed chat_with(const std::string& extra) {
  return chat(R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}], )" + extra + "}");
}

void expect_bad(const Parsed& p, const std::string& param) {
  ASSERT_FALSE(p.r.ok()) << "expected an error naming " << param;
  EXPECT_EQ(p.r.status().code(), StatusCode::kInvalidArgument) << p.r.status().message();
  EXPECT_EQ(p.param, param) << p.r.status().message();
  EXPECT_FALSE(p.r.status().message().empty());
}

TEST(OpenAiRequest, MinimalChatGetsOpenAiDefaults) {
  Parsed p = chat(R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  const OpenAiRequest& r = *p.r;
  EXPECT_EQ(r.endpoint, Endpoint::kChatCompletions);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, "user");
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_FLOAT_EQ(r.sampling.temperature, 1.0f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 1.0f);
  EXPECT_EQ(r.sampling.top_k, 0);
  EXPECT_FLOAT_EQ(r.sampling.min_p, 0.0f);
  EXPECT_FALSE(r.seed_given);
  EXPECT_EQ(r.max_tokens, -1);
  EXPECT_EQ(r.n, 1);
  EXPECT_EQ(r.top_logprobs, -1);
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.include_usage);
  EXPECT_TRUE(r.stop.empty());
}

TEST(OpenAiRequest, EveryFieldIsRead) {
  Parsed p = chat(R"({"model": "alias", "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null},
      {"role": "developer", "content": "dev"}],
    "max_tokens": 10, "max_completion_tokens": 20, "temperature": 0.5, "top_p": 0.9, "seed": 42,
    "stop": ["x", "y"], "presence_penalty": 0.5, "frequency_penalty": -1, "logprobs": true,
    "top_logprobs": 3, "n": 2, "stream": true, "stream_options": {"include_usage": true}, "user": "u1",
    "top_k": 5, "min_p": 0.1, "unknown_field": {"ignored": true}})");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  const OpenAiRequest& r = *p.r;
  EXPECT_EQ(r.model, "alias");
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[1].content, "a\nb");
  EXPECT_EQ(r.messages[2].content, "");
  EXPECT_EQ(r.messages[3].role, "system");
  EXPECT_EQ(r.max_tokens, 20);  // max_completion_tokens wins
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 0.9f);
  EXPECT_EQ(r.sampling.seed, 42u);
  EXPECT_TRUE(r.seed_given);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"x", "y"}));
  EXPECT_FLOAT_EQ(r.sampling.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(r.sampling.frequency_penalty, -1.0f);
  EXPECT_EQ(r.top_logprobs, 3);
  EXPECT_EQ(r.n, 2);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.user, "u1");
  EXPECT_EQ(r.sampling.top_k, 5);
  EXPECT_FLOAT_EQ(r.sampling.min_p, 0.1f);
}

TEST(OpenAiRequest, AbsentModelMeansTheServedOne) {
  Parsed p = chat(R"({"messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->model, "");
}

TEST(OpenAiRequest, UnknownModelIsNotFound) {
  Parsed p = chat(R"({"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_FALSE(p.r.ok());
  EXPECT_EQ(p.r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.param, "model");
  EXPECT_NE(p.r.status().message().find("gpt-4"), std::string::npos);
}

TEST(OpenAiRequest, MalformedBodies) {
  expect_bad(chat(""), "");
  expect_bad(chat("{"), "");
  expect_bad(chat("[1, 2]"), "");
  expect_bad(chat("\"text\""), "");
  expect_bad(chat("{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\"}]}"), "");  // invalid UTF-8
}

TEST(OpenAiRequest, MessageErrorsNameTheField) {
  expect_bad(chat(R"({"model": "test-model"})"), "messages");
  expect_bad(chat(R"({"messages": {}})"), "messages");
  expect_bad(chat(R"({"messages": []})"), "messages");
  expect_bad(chat(R"({"messages": [1]})"), "messages[0]");
  expect_bad(chat(R"({"messages": [{"content": "x"}]})"), "messages[0].role");
  expect_bad(chat(R"({"messages": [{"role": "tool", "content": "x"}]})"), "messages[0].tool_call_id");
  expect_bad(chat(R"({"messages": [{"role": "robot", "content": "x"}]})"), "messages[0].role");
  expect_bad(chat(R"({"messages": [{"role": "user"}]})"), "messages[0].content");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": 5}]})"), "messages[0].content");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": [5]}]})"), "messages[0].content[0]");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]})"),
             "messages[0].content[0].type");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": [{"type": "text"}]}]})"),
             "messages[0].content[0].text");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function"}]}]})"),
             "messages[1].tool_calls[0].id");
  expect_bad(chat(R"({"messages": [{"role": "user", "content": "a", "tool_calls": []}]})"), "messages[0].tool_calls");
  RequestLimits few;
  few.max_messages = 1;
  expect_bad(chat(R"({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})", few),
             "messages");
}

TEST(OpenAiRequest, FieldTypeAndRangeErrors) {
  expect_bad(chat_with(R"("model": 5)"), "model");
  expect_bad(chat_with(R"("temperature": "hot")"), "temperature");
  expect_bad(chat_with(R"("temperature": 2.5)"), "temperature");
  expect_bad(chat_with(R"("temperature": -0.1)"), "temperature");
  expect_bad(chat_with(R"("top_p": 1.5)"), "top_p");
  expect_bad(chat_with(R"("top_p": true)"), "top_p");
  expect_bad(chat_with(R"("presence_penalty": 3)"), "presence_penalty");
  expect_bad(chat_with(R"("frequency_penalty": -2.5)"), "frequency_penalty");
  expect_bad(chat_with(R"("seed": "x")"), "seed");
  expect_bad(chat_with(R"("seed": 1.5)"), "seed");
  expect_bad(chat_with(R"("max_tokens": 0)"), "max_tokens");
  expect_bad(chat_with(R"("max_tokens": -5)"), "max_tokens");
  expect_bad(chat_with(R"("max_tokens": "10")"), "max_tokens");
  expect_bad(chat_with(R"("max_completion_tokens": 0)"), "max_completion_tokens");
  expect_bad(chat_with(R"("n": 0)"), "n");
  expect_bad(chat_with(R"("n": 17)"), "n");
  expect_bad(chat_with(R"("best_of": 3)"), "best_of");
  expect_bad(chat_with(R"("stop": 5)"), "stop");
  expect_bad(chat_with(R"("stop": ["a", 5])"), "stop");
  expect_bad(chat_with(R"("stop": ["a", "b", "c", "d", "e"])"), "stop");
  expect_bad(chat_with(R"("logprobs": 2)"), "logprobs");
  expect_bad(chat_with(R"("top_logprobs": 2)"), "top_logprobs");  // needs logprobs: true
  expect_bad(chat_with(R"("logprobs": true, "top_logprobs": 21)"), "top_logprobs");
  expect_bad(chat_with(R"("stream": "yes")"), "stream");
  expect_bad(chat_with(R"("stream_options": {"include_usage": true})"), "stream_options");
  expect_bad(chat_with(R"("stream": true, "stream_options": 1)"), "stream_options");
  expect_bad(chat_with(R"("stream": true, "stream_options": {"include_usage": 1})"), "stream_options.include_usage");
  expect_bad(chat_with(R"("user": 5)"), "user");
  expect_bad(chat_with(R"("top_k": -2)"), "top_k");
  expect_bad(chat_with(R"("min_p": 2)"), "min_p");
}

TEST(OpenAiRequest, LimitsComeFromTheServer) {
  RequestLimits limits;
  limits.max_tokens = 100;
  limits.max_n = 2;
  limits.max_top_logprobs = 4;
  const std::string base = R"({"messages": [{"role": "user", "content": "hi"}], )";
  expect_bad(chat(base + R"("max_tokens": 101})", limits), "max_tokens");
  EXPECT_TRUE(chat(base + R"("max_tokens": 100})", limits).r.ok());
  expect_bad(chat(base + R"("n": 3})", limits), "n");
  expect_bad(chat(base + R"("logprobs": true, "top_logprobs": 5})", limits), "top_logprobs");
}

TEST(OpenAiRequest, UnsupportedFeaturesAreRefused) {
  expect_bad(chat_with(R"("functions": [{"name": "f"}])"), "functions");
  EXPECT_TRUE(chat_with(R"("tools": [], "logit_bias": {}, "response_format": {"type": "text"})").r.ok());
  expect_bad(completion(R"({"prompt": "a", "echo": true})"), "echo");
  expect_bad(completion(R"({"prompt": "a", "suffix": "b"})"), "suffix");
  expect_bad(completion(R"({"prompt": "a", "tools": [{"type": "function", "function": {"name": "f"}}]})"), "tools");
}

TEST(OpenAiRequest, OutputConstraintsAndLogitBias) {
  Parsed p = chat_with(R"("response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": true,
                          "schema": {"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "string"}}}}},
                          "logit_bias": {"7": -100, "12": 2.5})");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->constraint.kind, OutputConstraint::Kind::kJsonSchema);
  EXPECT_EQ(p.r->constraint.param, "response_format");
  EXPECT_EQ(p.r->constraint.schema["properties"].begin().key(), "b") << "the schema keeps its key order";
  ASSERT_EQ(p.r->sampling.logit_bias.size(), 2u);
  EXPECT_EQ(p.r->sampling.logit_bias[0], (std::pair<int32_t, float>{7, -100.0f}));
  p = chat_with(R"("response_format": {"type": "json_object"})");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->constraint.kind, OutputConstraint::Kind::kJsonObject);
  p = chat_with(R"("grammar": "root ::= \"a\"")");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->constraint.kind, OutputConstraint::Kind::kGbnf);
  EXPECT_EQ(p.r->constraint.gbnf, "root ::= \"a\"");
  expect_bad(chat_with(R"("response_format": {"type": "xml"})"), "response_format.type");
  expect_bad(chat_with(R"("response_format": {"type": "json_schema"})"), "response_format.json_schema");
  expect_bad(chat_with(R"("response_format": {"type": "json_schema", "json_schema": {"schema": 5}})"),
             "response_format.json_schema.schema");
  expect_bad(chat_with(R"("response_format": {"type": "json_object"}, "grammar": "root ::= \"a\"")"), "grammar");
  expect_bad(chat_with(R"("grammar": 5)"), "grammar");
  expect_bad(chat_with(R"("logit_bias": {"x": 1})"), "logit_bias");
  expect_bad(chat_with(R"("logit_bias": {"1": 101})"), "logit_bias");
  expect_bad(chat_with(R"("logit_bias": {"1": "a"})"), "logit_bias");
  expect_bad(chat_with(R"("logit_bias": [1])"), "logit_bias");
}

TEST(OpenAiRequest, ToolsToolChoiceAndReasoningFields) {
  const std::string tools = R"("tools": [{"type": "function", "function": {"name": "get_weather", "description": "d",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
      {"type": "function", "function": {"name": "search"}}])";
  Parsed p = chat_with(tools);
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->tools.tools.size(), 2u);
  EXPECT_EQ(p.r->tools.choice.mode, ToolChoice::Mode::kAuto);
  EXPECT_TRUE(p.r->tools.parallel_tool_calls);
  p = chat_with(tools + R"(, "tool_choice": {"type": "function", "function": {"name": "search"}}, "parallel_tool_calls": false)");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->tools.choice.mode, ToolChoice::Mode::kNamed);
  EXPECT_EQ(p.r->tools.choice.name, "search");
  EXPECT_FALSE(p.r->tools.parallel_tool_calls);
  p = chat_with(tools + R"(, "tool_choice": "required")");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->tools.choice.mode, ToolChoice::Mode::kRequired);
  p = chat_with(R"("reasoning_effort": "none", "chat_template_kwargs": {"x": 1})");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->tools.template_kwargs["enable_thinking"], false);
  EXPECT_EQ(p.r->tools.template_kwargs["x"], 1);
  p = chat_with(R"("reasoning_effort": "none", "chat_template_kwargs": {"enable_thinking": true})");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->tools.template_kwargs["enable_thinking"], true) << "the explicit kwarg wins";

  expect_bad(chat_with(R"("tools": [{"type": "function"}])"), "tools[0].function");
  expect_bad(chat_with(R"("tools": [{"type": "code"}])"), "tools[0].type");
  expect_bad(chat_with(R"("tools": [{"type": "function", "function": {"name": "a b"}}])"), "tools[0].function.name");
  expect_bad(chat_with(R"("tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}])"),
             "tools[1].function.name");
  expect_bad(chat_with(R"("tools": [{"type": "function", "function": {"name": "f", "parameters": 3}}])"),
             "tools[0].function.parameters");
  expect_bad(chat_with(tools + R"(, "tool_choice": {"type": "function", "function": {"name": "nope"}})"), "tool_choice");
  expect_bad(chat_with(R"("tool_choice": "required")"), "tool_choice");
  expect_bad(chat_with(tools + R"(, "tool_choice": "sometimes")"), "tool_choice");
  expect_bad(chat_with(tools + R"(, "tool_choice": "required", "response_format": {"type": "json_object"})"), "tool_choice");
  expect_bad(chat_with(R"("reasoning_effort": "max")"), "reasoning_effort");
  expect_bad(chat_with(R"("chat_template_kwargs": [1])"), "chat_template_kwargs");

  p = chat(R"({"messages": [{"role": "user", "content": "w?"},
      {"role": "assistant", "content": null, "reasoning_content": "think",
       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]})");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  ASSERT_EQ(p.r->messages.size(), 3u);
  EXPECT_EQ(p.r->messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(p.r->messages[1].reasoning, "think");
  EXPECT_EQ(p.r->messages[2].role, "tool");
  EXPECT_EQ(p.r->messages[2].tool_call_id, "call_1");
}

TEST(OpenAiRequest, NullMeansAbsent) {
  Parsed p = chat_with(R"("temperature": null, "stop": null, "seed": null, "max_tokens": null)");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_FLOAT_EQ(p.r->sampling.temperature, 1.0f);
  EXPECT_EQ(p.r->max_tokens, -1);
}

TEST(OpenAiRequest, TopPZeroIsGreedy) {
  Parsed p = chat_with(R"("top_p": 0)");
  ASSERT_TRUE(p.r.ok());
  EXPECT_FLOAT_EQ(p.r->sampling.temperature, 0.0f);
  EXPECT_FLOAT_EQ(p.r->sampling.top_p, 1.0f);
}

TEST(OpenAiRequest, IntegralFloatsAndNegativeSeeds) {
  Parsed p = chat_with(R"("max_tokens": 5.0, "seed": -1)");
  ASSERT_TRUE(p.r.ok()) << p.r.status().message();
  EXPECT_EQ(p.r->max_tokens, 5);
  EXPECT_EQ(p.r->sampling.seed, UINT64_MAX);
  EXPECT_EQ(chat_with(R"("seed": 18446744073709551615)").r->sampling.seed, UINT64_MAX);
}

TEST(OpenAiRequest, StopAsOneString) {
  Parsed p = chat_with(R"("stop": "\n\n")");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->stop, std::vector<std::string>{"\n\n"});
  EXPECT_TRUE(chat_with(R"("stop": "")").r->stop.empty());
}

TEST(OpenAiRequest, ChatLogprobsWithoutTopMeansZeroAlternatives) {
  Parsed p = chat_with(R"("logprobs": true)");
  ASSERT_TRUE(p.r.ok());
  EXPECT_EQ(p.r->top_logprobs, 0);
  EXPECT_EQ(chat_with(R"("logprobs": false)").r->top_logprobs, -1);
}

TEST(OpenAiRequest, CompletionPrompts) {
  Parsed text = completion(R"({"prompt": "Once upon", "logprobs": 2, "max_tokens": 7})");
  ASSERT_TRUE(text.r.ok()) << text.r.status().message();
  EXPECT_EQ(text.r->endpoint, Endpoint::kCompletions);
  EXPECT_EQ(text.r->prompt_text, "Once upon");
  EXPECT_FALSE(text.r->prompt_is_tokens);
  EXPECT_EQ(text.r->top_logprobs, 2);
  EXPECT_EQ(text.r->max_tokens, 7);

  Parsed ids = completion(R"({"prompt": [1, 2, 3]})");
  ASSERT_TRUE(ids.r.ok());
  EXPECT_TRUE(ids.r->prompt_is_tokens);
  EXPECT_EQ(ids.r->prompt_tokens, (std::vector<int32_t>{1, 2, 3}));

  EXPECT_EQ(completion(R"({"prompt": ["one"]})").r->prompt_text, "one");
  EXPECT_EQ(completion(R"({"prompt": [[4, 5]]})").r->prompt_tokens, (std::vector<int32_t>{4, 5}));
}

TEST(OpenAiRequest, CompletionErrors) {
  expect_bad(completion(R"({})"), "prompt");
  expect_bad(completion(R"({"prompt": 5})"), "prompt");
  expect_bad(completion(R"({"prompt": []})"), "prompt");
  expect_bad(completion(R"({"prompt": ["a", "b"]})"), "prompt");
  expect_bad(completion(R"({"prompt": [1, -2]})"), "prompt");
  expect_bad(completion(R"({"prompt": [1, 2.5]})"), "prompt");
  expect_bad(completion(R"({"prompt": [1, 3000000000]})"), "prompt");
  expect_bad(completion(R"({"prompt": "a", "logprobs": 6})"), "logprobs");
  expect_bad(completion(R"({"prompt": "a", "logprobs": true})"), "logprobs");
  RequestLimits limits;
  limits.max_prompt_tokens = 2;
  expect_bad(completion(R"({"prompt": [1, 2, 3]})", limits), "prompt");
}

TEST(OpenAiRequest, RandomSeedWhenAbsent) {
  // Two requests without a seed almost surely get different ones.
  const uint64_t a = chat_with(R"("n": 1)").r->sampling.seed;
  const uint64_t b = chat_with(R"("n": 1)").r->sampling.seed;
  const uint64_t c = chat_with(R"("n": 1)").r->sampling.seed;
  EXPECT_FALSE(a == b && b == c);
}

}  // namespace
}  // namespace herd::server
