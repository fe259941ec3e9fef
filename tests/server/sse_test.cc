#include "server/sse.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace herd::server {
namespace {

ResponseMeta meta(Endpoint endpoint) {
  ResponseMeta m;
  m.endpoint = endpoint;
  m.id = "id-1";
  m.created = 5;
  m.model = "m";
  return m;
}

std::string piece(int32_t id) { return "p" + std::to_string(id); }

// The "data: " payloads of an SSE text, checking the framing on the way.
std::vector<std::string> frames(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated frame in: " << text;
    if (end == std::string::npos) break;
    const std::string frame = text.substr(pos, end - pos);
    EXPECT_EQ(frame.rfind("data: ", 0), 0u) << frame;
    EXPECT_EQ(frame.find('\n'), std::string::npos) << "one line per event: " << frame;
    out.push_back(frame.substr(6));
    pos = end + 2;
  }
  return out;
}

TEST(Sse, FrameAndDone) {
  EXPECT_EQ(sse_frame(nlohmann::ordered_json{{"a", "x\ny"}}), "data: {\"a\":\"x\\ny\"}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(Sse, ChatStreamFromStartToDone) {
  SseEncoder enc(meta(Endpoint::kChatCompletions), 2, /*include_usage=*/false, piece);
  std::string text = enc.start();
  text += enc.encode(ChoiceDelta{0, "Hel", {1}, {}, std::nullopt});
  text += enc.encode(ChoiceDelta{1, "", {}, {}, std::nullopt});  // nothing to say
  text += enc.encode(ChoiceDelta{0, "lo", {2}, {}, FinishReason::kStop});
  text += enc.encode(ChoiceDelta{1, "", {}, {}, FinishReason::kLength});
  EXPECT_FALSE(enc.finished());
  text += enc.encode(RequestDone{{3, 2, 0}});
  EXPECT_TRUE(enc.finished());
  EXPECT_EQ(enc.encode(RequestDone{}), "");  // nothing after the end

  const std::vector<std::string> f = frames(text);
  ASSERT_EQ(f.size(), 7u);
  auto j = [&](size_t i) { return nlohmann::json::parse(f[i]); };
  EXPECT_EQ(j(0)["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(j(1)["choices"][0]["index"], 1);
  EXPECT_EQ(j(2)["choices"][0]["delta"]["content"], "Hel");
  EXPECT_EQ(j(3)["choices"][0]["delta"]["content"], "lo");
  EXPECT_TRUE(j(3)["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(j(4)["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j(5)["choices"][0]["index"], 1);
  EXPECT_EQ(j(5)["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(f[6], "[DONE]");
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(j(i)["id"], "id-1");
    EXPECT_EQ(j(i)["object"], "chat.completion.chunk");
    EXPECT_FALSE(j(i).contains("usage"));
  }
}

TEST(Sse, IncludeUsageAddsAFinalChunkWithoutChoices) {
  SseEncoder enc(meta(Endpoint::kCompletions), 1, /*include_usage=*/true, piece);
  EXPECT_EQ(enc.start(), "");  // completions have no role chunk
  std::string text = enc.encode(ChoiceDelta{0, "x", {1}, {}, FinishReason::kStop});
  text += enc.encode(RequestDone{{4, 1, 2}});
  const std::vector<std::string> f = frames(text);
  ASSERT_EQ(f.size(), 4u);
  const auto content = nlohmann::json::parse(f[0]);
  EXPECT_EQ(content["object"], "text_completion");
  EXPECT_EQ(content["choices"][0]["text"], "x");
  EXPECT_TRUE(content["usage"].is_null());
  const auto usage = nlohmann::json::parse(f[2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 4);
  EXPECT_EQ(usage["usage"]["completion_tokens"], 1);
  EXPECT_EQ(usage["usage"]["total_tokens"], 5);
  EXPECT_EQ(usage["usage"]["prompt_tokens_details"]["cached_tokens"], 2);
  EXPECT_EQ(f[3], "[DONE]");
}

TEST(Sse, LegacyLogprobOffsetsRunAcrossChunks) {
  ResponseMeta m = meta(Endpoint::kCompletions);
  m.logprobs = true;
  SseEncoder enc(m, 1, false, piece);
  const std::string a = enc.encode(ChoiceDelta{0, "p1", {1}, {{{1, -1.0f}, {}}}, std::nullopt});
  const std::string b = enc.encode(ChoiceDelta{0, "p22", {22}, {{{22, -2.0f}, {}}}, std::nullopt});
  EXPECT_EQ(nlohmann::json::parse(frames(a)[0])["choices"][0]["logprobs"]["text_offset"][0], 0);
  EXPECT_EQ(nlohmann::json::parse(frames(b)[0])["choices"][0]["logprobs"]["text_offset"][0], 2);
}

TEST(Sse, FailureSendsAnErrorThenDone) {
  SseEncoder enc(meta(Endpoint::kChatCompletions), 1, false, piece);
  const std::vector<std::string> f = frames(enc.encode(RequestFailed{internal_error("boom")}));
  ASSERT_EQ(f.size(), 2u);
  const auto err = nlohmann::json::parse(f[0]);
  EXPECT_EQ(err["error"]["message"], "boom");
  EXPECT_EQ(err["error"]["type"], "server_error");
  EXPECT_EQ(f[1], "[DONE]");
  EXPECT_TRUE(enc.finished());
  EXPECT_EQ(enc.fail(api_error(internal_error("again"))), "");
}

}  // namespace
}  // namespace herd::server
