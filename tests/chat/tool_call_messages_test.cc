// A conversation with tool calls as OpenAI clients send it (arguments as a JSON string, content
// null, tool results without a name) renders through render_chat_prompt exactly as transformers
// rendered the golden cases of ../shared/reference/chat-templates that carry tools.
#include "chat/tool_call_messages.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "chat/chat_prompt.h"

namespace herd::chat {
namespace {

using Json = nlohmann::ordered_json;
const std::string kDir = std::string(HERD_SHARED_DIR) + "/reference/chat-templates";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The golden conversation as an OpenAI client writes it.
Json as_openai_client_sends(const Json& messages) {
  Json out = messages;
  for (Json& m : out) {
    if (m.value("role", "") == "tool") m.erase("name");
    if (!m.contains("tool_calls")) continue;
    for (Json& call : m["tool_calls"]) {
      Json& args = call["function"]["arguments"];
      if (args.is_object()) args = args.dump();  // compact, as JSON.stringify writes it
    }
  }
  return out;
}

TEST(ToolCallMessagesTest, EveryGoldenToolCaseRendersFromTheClientsShape) {
  std::ifstream in(kDir + "/cases.jsonl");
  ASSERT_TRUE(in) << "missing " << kDir;
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const Json c = Json::parse(line);
    if (c.contains("expected_error") || !c["context"].contains("tools")) continue;
    const Json& ctx = c["context"];
    Result<Template> tmpl = Template::parse(read_file(kDir + "/templates/" + c["template"].get<std::string>()));
    ASSERT_TRUE(tmpl.ok()) << c["template"];
    ChatPromptParams params;
    params.bos_token = ctx["bos_token"].get<std::string>();
    params.eos_token = ctx["eos_token"].get<std::string>();
    params.add_generation_prompt = ctx["add_generation_prompt"].get<bool>();
    params.tools = ctx["tools"];
    for (const auto& [key, value] : ctx.items()) {
      if (key != "messages" && key != "tools" && key != "bos_token" && key != "eos_token" &&
          key != "add_generation_prompt") {
        params.extra_context[key] = value;
      }
    }
    params.render.now = CivilTime{2024, 7, 26, 12, 0, 0};
    Result<std::string> r = render_chat_prompt(*tmpl, as_openai_client_sends(ctx["messages"]), params);
    ASSERT_TRUE(r.ok()) << c["template"] << " / " << c["case"] << ": " << r.status().message();
    EXPECT_EQ(*r, c["expected"].get<std::string>()) << c["template"] << " / " << c["case"];
    ++checked;
  }
  EXPECT_EQ(checked, 45) << "the golden file carries 45 cases with tools";
}

TEST(ToolCallMessagesTest, ShapesComeInOrderAndToolResultsGetTheirNames) {
  const Json messages = Json::parse(R"([
    {"role": "user", "content": "weather?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}])");
  const std::vector<Json> v = tool_call_message_variants(messages);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(v[0][1]["tool_calls"][0]["function"]["arguments"].is_object());
  EXPECT_TRUE(v[0][1]["content"].is_null());
  EXPECT_TRUE(v[1][1]["tool_calls"][0]["function"]["arguments"].is_string());
  EXPECT_EQ(v[2][1]["content"], "");
  EXPECT_TRUE(v[3][1]["tool_calls"][0]["function"]["arguments"].is_string());
  for (const Json& shape : v) EXPECT_EQ(shape[2]["name"], "get_weather");
  const Json plain = Json::parse(R"([{"role": "user", "content": "hi"}])");
  ASSERT_EQ(tool_call_message_variants(plain).size(), 1u);
  EXPECT_EQ(tool_call_message_variants(plain)[0], plain);
}

TEST(ToolCallMessagesTest, ArgumentsThatAreNoObjectStayAString) {
  const Json messages = Json::parse(R"([{"role": "assistant", "content": "", "tool_calls": [
      {"id": "c", "type": "function", "function": {"name": "f", "arguments": "not json"}}]}])");
  const std::vector<Json> v = tool_call_message_variants(messages);
  EXPECT_EQ(v[0][0]["tool_calls"][0]["function"]["arguments"], "not json");
}

}  // namespace
}  // namespace herd::chat
