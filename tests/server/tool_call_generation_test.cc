// tool_choice "required" and a named function on a random-weight model with Qwen2's 151,936-token
// vocabulary: for every format the grammar writes (Hermes/Qwen, Llama 3, Mistral, generic), over
// seeds and temperatures, every answer that ends is parsed by the model-output parser into
// well-formed calls whose names are offered and whose arguments validate against the function's
// schema (the independent validator in tests/support), and nothing else is left as content.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "../runtime/engine_fixture.h"
#include "../support/json_schema_validator.h"
#include "../support/qwen2_vocab_model.h"
#include "../support/temp_dir.h"
#include "chat/model_output_parser.h"
#include "grammar/grammar_matcher.h"
#include "runtime/grammar_vocab.h"
#include "server/tool_call_grammar.h"

namespace herd::server {
namespace {

using engine_test::EngineTest;
using engine_test::Outcome;
using ojson = nlohmann::ordered_json;

const char* kTools = R"([
  {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
    "properties": {"city": {"type": "string", "maxLength": 10}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
    "required": ["city", "days"], "additionalProperties": false}}},
  {"type": "function", "function": {"name": "search_web", "parameters": {"type": "object",
    "properties": {"query": {"type": "string", "maxLength": 12}, "exact": {"type": "boolean"}},
    "required": ["query"], "additionalProperties": false}}},
  {"type": "function", "function": {"name": "now"}}])";

class ToolCallGenerationTest : public EngineTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    testing::synth_qwen2_vocab_model(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    load(*dir_ / "qwen2-vocab-tiny.gguf");
    vocab_ = build_grammar_vocab(*tok_);
  }

  // Runs the forced call under `tools` with `format`'s grammar and checks every ended answer.
  void check(chat::ToolCallFormat format, const ToolsRequest& tools, int* answers, int* ended) {
    Result<ToolCallGrammar> tg = tool_call_grammar(format, tools);
    ASSERT_TRUE(tg.ok()) << tg.status().to_string();
    Result<std::shared_ptr<const grammar::CompiledGrammar>> g =
        grammar::CompiledGrammar::create(std::move(tg->grammar), vocab_->trie, vocab_->end_tokens);
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    std::unique_ptr<Engine> e = engine();
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      GenerationRequest r = request("Call a tool:", 480, seed == 1 ? 0.0f : 1.2f, seed);
      r.grammar = *g;
      r.n = 2;
      const Outcome o = run(*e, r);
      ASSERT_TRUE(o.done);
      for (size_t c = 0; c < o.text.size(); ++c) {
        ++*answers;
        if (o.finish[c] != FinishReason::kStop) continue;
        ++*ended;
        chat::OutputFormat f;
        f.tools = tg->format;
        chat::ModelOutputParser parser(f);
        parser.feed(o.text[c]);
        parser.finish();
        const chat::ParsedOutput& m = parser.message();
        EXPECT_EQ(m.content.find_first_not_of(" \n"), std::string::npos) << "left as content: " << o.text[c];
        ASSERT_FALSE(m.tool_calls.empty()) << o.text[c];
        if (!tools.parallel_tool_calls) EXPECT_EQ(m.tool_calls.size(), 1u) << o.text[c];
        for (const chat::ToolCall& call : m.tool_calls) {
          const ojson* fn = nullptr;
          for (const ojson& t : tools.tools) {
            if (t["function"]["name"] == call.name) fn = &t["function"];
          }
          ASSERT_NE(fn, nullptr) << "called " << call.name << " in " << o.text[c];
          if (tools.choice.mode == ToolChoice::Mode::kNamed) EXPECT_EQ(call.name, tools.choice.name);
          const nlohmann::json schema = fn->contains("parameters") ? nlohmann::json::parse((*fn)["parameters"].dump())
                                                                   : nlohmann::json{{"type", "object"}};
          const nlohmann::json args = nlohmann::json::parse(call.arguments, nullptr, false);
          ASSERT_FALSE(args.is_discarded()) << call.arguments;
          EXPECT_EQ(testing::JsonSchemaValidator(schema).validate(args), "") << call.arguments;
        }
      }
    }
  }

  static testing::TempDir* dir_;
  std::shared_ptr<const GrammarVocab> vocab_;
};

testing::TempDir* ToolCallGenerationTest::dir_ = nullptr;

TEST_F(ToolCallGenerationTest, EveryFormatRequiredAndNamed) {
  int answers = 0, ended = 0;
  for (chat::ToolCallFormat format : {chat::ToolCallFormat::kHermes, chat::ToolCallFormat::kLlama3,
                                      chat::ToolCallFormat::kMistral, chat::ToolCallFormat::kGeneric}) {
    ToolsRequest required;
    required.tools = ojson::parse(kTools);
    required.choice.mode = ToolChoice::Mode::kRequired;
    required.parallel_tool_calls = false;
    check(format, required, &answers, &ended);
    ToolsRequest named = required;
    named.choice = {ToolChoice::Mode::kNamed, "search_web"};
    check(format, named, &answers, &ended);
  }
  std::printf("%d of %d answers ended\n", ended, answers);
  EXPECT_GE(ended * 10, answers * 8) << ended << " of " << answers;
}

TEST_F(ToolCallGenerationTest, ParallelCallsAllParse) {
  int answers = 0, ended = 0;
  ToolsRequest parallel;
  parallel.tools = ojson::parse(kTools);
  parallel.choice.mode = ToolChoice::Mode::kRequired;
  parallel.parallel_tool_calls = true;
  check(chat::ToolCallFormat::kHermes, parallel, &answers, &ended);
  check(chat::ToolCallFormat::kGeneric, parallel, &answers, &ended);
  std::printf("%d of %d answers ended\n", ended, answers);
  EXPECT_GT(ended, 0);
}

}  // namespace
}  // namespace herd::server
