// detect_output_format over every template in ../shared/reference/chat-templates, each with
// the format its model family writes; and prompt_opens_reasoning on rendered prompts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "chat/chat_template.h"
#include "chat/model_output_parser.h"

namespace herd::chat {
namespace {

const std::string kDir = std::string(HERD_SHARED_DIR) + "/reference/chat-templates/templates/";

std::string read_template(const std::string& name) {
  std::ifstream in(kDir + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Expected {
  ToolCallFormat tools;
  const char* think_open;  // nullptr: the model does not think
};

// Why each: Hermes/Qwen ask for <tool_call> JSON; Qwen3-Coder for <function=><parameter=>;
// Llama 3.x for {"name", "parameters"}; DeepSeek-R1 writes its <｜tool▁calls▁begin｜> blocks;
// Mistral writes [TOOL_CALLS] (Devstral too, though its template renders no tools); the rest
// render tools in a way we do not parse (kGeneric) or not at all (kNone). DeepSeek-R1 and
// EXAONE-Deep think.
const std::map<std::string, Expected> kExpected = {
    {"01-ai-Yi-Chat.jinja", {ToolCallFormat::kNone, nullptr}},
    {"CohereForAI-c4ai-command-r-plus-tool_use.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"CohereForAI-c4ai-command-r-plus.jinja", {ToolCallFormat::kNone, nullptr}},
    {"CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"LGAI-EXAONE-EXAONE-Deep-2.4B.jinja", {ToolCallFormat::kNone, "<thought>"}},
    {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", {ToolCallFormat::kHermes, nullptr}},
    {"Qwen-Qwen1.5-72B-Chat.jinja", {ToolCallFormat::kNone, nullptr}},
    {"Qwen-Qwen2-Instruct.jinja", {ToolCallFormat::kNone, nullptr}},
    {"Qwen-Qwen2.5-7B-Instruct.jinja", {ToolCallFormat::kHermes, nullptr}},
    {"Qwen-Qwen3-Coder-30B-A3B-Instruct.jinja", {ToolCallFormat::kQwen3Coder, nullptr}},
    {"THUDM-chatglm3-6b.jinja", {ToolCallFormat::kNone, nullptr}},
    {"THUDM-glm-4-9b-chat.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"TinyLlama-TinyLlama-1.1B-Chat-v1.0.jinja", {ToolCallFormat::kNone, nullptr}},
    {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", {ToolCallFormat::kDeepSeekR1, "<think>"}},
    {"deepseek-ai-DeepSeek-V2-Chat.jinja", {ToolCallFormat::kNone, nullptr}},
    {"deepseek-ai-deepseek-coder-33b-instruct.jinja", {ToolCallFormat::kNone, nullptr}},
    {"fireworks-ai-llama-3-firefunction-v2.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"google-gemma-2-2b-it.jinja", {ToolCallFormat::kNone, nullptr}},
    {"google-gemma-7b-it.jinja", {ToolCallFormat::kNone, nullptr}},
    {"ibm-granite-granite-3.0-8b-instruct.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"llama-cpp-deepseek-r1.jinja", {ToolCallFormat::kDeepSeekR1, "<think>"}},
    {"meetkai-functionary-medium-v3.1.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"meetkai-functionary-medium-v3.2.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"meta-llama-Llama-3.2-3B-Instruct.jinja", {ToolCallFormat::kLlama3, nullptr}},
    {"meta-llama-Meta-Llama-3-8B-Instruct.jinja", {ToolCallFormat::kNone, nullptr}},
    {"microsoft-Phi-3-mini-4k-instruct.jinja", {ToolCallFormat::kNone, nullptr}},
    {"microsoft-Phi-3.5-mini-instruct.jinja", {ToolCallFormat::kNone, nullptr}},
    {"microsoft-phi-4.jinja", {ToolCallFormat::kNone, nullptr}},
    {"mistralai-Devstral-Small.jinja", {ToolCallFormat::kMistral, nullptr}},
    {"mistralai-Mistral-7B-Instruct-v0.1.jinja", {ToolCallFormat::kNone, nullptr}},
    {"mistralai-Mistral-7B-Instruct-v0.2.jinja", {ToolCallFormat::kNone, nullptr}},
    {"mistralai-Mistral-7B-Instruct-v0.3.jinja", {ToolCallFormat::kMistral, nullptr}},
    {"mistralai-Mistral-Nemo-Instruct-2407.jinja", {ToolCallFormat::kMistral, nullptr}},
    {"openbmb-MiniCPM3-4B.jinja", {ToolCallFormat::kGeneric, nullptr}},
    {"openchat-openchat-3.5-0106.jinja", {ToolCallFormat::kNone, nullptr}},
};

TEST(DetectOutputFormat, EveryReferenceTemplateHasItsFamilysFormat) {
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    const std::string name = entry.path().filename().string();
    const auto it = kExpected.find(name);
    ASSERT_NE(it, kExpected.end()) << "no expected format stated for " << name;
    const OutputFormat format = detect_output_format(read_template(name));
    EXPECT_EQ(format.tools, it->second.tools) << name;
    EXPECT_EQ(format.reasoning, it->second.think_open != nullptr) << name;
    if (it->second.think_open) {
      EXPECT_EQ(format.reasoning_open, it->second.think_open) << name;
    }
    EXPECT_FALSE(format.starts_in_reasoning) << name;  // that is the rendered prompt's to say
    ++seen;
  }
  EXPECT_EQ(seen, kExpected.size());
}

TEST(DetectOutputFormat, EmptyTemplateHasNoFormat) {
  const OutputFormat format = detect_output_format("");
  EXPECT_EQ(format.tools, ToolCallFormat::kNone);
  EXPECT_FALSE(format.reasoning);
}

TEST(ToolParameterTypes, ReadsOpenAiToolsAndSkipsOtherShapes) {
  const auto tools = nlohmann::ordered_json::parse(R"([
    {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {
      "zip": {"type": "string"}, "days": {"type": ["integer", "null"]}, "any": {}, "odd": {"type": 3}}}}},
    {"type": "function", "function": {"name": "bare"}},
    {"type": "function", "function": {"name": 5}},
    "junk",
    {"type": "function"}
  ])");
  const ToolParameterTypes types = tool_parameter_types(tools);
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(types.at("lookup"), (std::map<std::string, std::string>{{"zip", "string"}, {"days", "integer"}}));
  EXPECT_TRUE(types.at("bare").empty());
  EXPECT_TRUE(tool_parameter_types(nlohmann::ordered_json::object()).empty());
}

std::string render_generation_prompt(const std::string& name) {
  nlohmann::ordered_json context = {{"messages", {{{"role", "user"}, {"content", "What is 2+2?"}}}},
                                    {"add_generation_prompt", true},
                                    {"bos_token", "<s>"},
                                    {"eos_token", "</s>"}};
  RenderOptions options;
  options.now = CivilTime{2024, 7, 26, 12, 0, 0};
  Result<std::string> prompt = render_chat_template(read_template(name), context, options);
  EXPECT_TRUE(prompt.ok()) << name << ": " << prompt.status().to_string();
  return prompt.ok() ? *prompt : "";
}

TEST(PromptOpensReasoning, GenerationPromptsOfThinkingTemplates) {
  EXPECT_TRUE(prompt_opens_reasoning(render_generation_prompt("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja")));
  EXPECT_TRUE(prompt_opens_reasoning(render_generation_prompt("llama-cpp-deepseek-r1.jinja")));
  EXPECT_TRUE(prompt_opens_reasoning(render_generation_prompt("LGAI-EXAONE-EXAONE-Deep-2.4B.jinja")));
  EXPECT_FALSE(prompt_opens_reasoning(render_generation_prompt("Qwen-Qwen2.5-7B-Instruct.jinja")));
  EXPECT_FALSE(prompt_opens_reasoning(render_generation_prompt("meta-llama-Llama-3.2-3B-Instruct.jinja")));
}

TEST(PromptOpensReasoning, OnlyAnOpenTagAtTheEndCounts) {
  EXPECT_TRUE(prompt_opens_reasoning("<|im_start|>assistant\n<think>\n"));
  EXPECT_TRUE(prompt_opens_reasoning("<think>"));
  EXPECT_FALSE(prompt_opens_reasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n"));  // thinking off
  EXPECT_FALSE(prompt_opens_reasoning("user: what does <think> do?\nassistant:"));
  EXPECT_FALSE(prompt_opens_reasoning(""));
  EXPECT_FALSE(prompt_opens_reasoning("think>"));
}

}  // namespace
}  // namespace herd::chat
