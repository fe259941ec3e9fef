// Constrained generation on a random-weight model with Qwen2's 151,936-token BPE vocabulary:
// for many generated JSON schemas x seeds x temperatures (n = 2 choices each), every answer that
// ends parses and validates against its schema, checked by the independent validator in
// tests/support (not by the matcher); schemas bounded by construction always end. Also: GBNF
// grammars decide the output exactly, and batch invariance holds under constraints.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "../support/json_schema_generator.h"
#include "../support/json_schema_validator.h"
#include "../support/qwen2_vocab_model.h"
#include "../support/temp_dir.h"
#include "engine_fixture.h"
#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_gbnf.h"
#include "runtime/grammar_vocab.h"

namespace herd {
namespace {

using engine_test::EngineTest;
using engine_test::Outcome;
using ojson = nlohmann::ordered_json;

class ConstrainedGenerationTest : public EngineTest {
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

  std::shared_ptr<const grammar::CompiledGrammar> compile(Result<grammar::Grammar> g) {
    EXPECT_TRUE(g.ok()) << g.status().to_string();
    if (!g.ok()) return nullptr;
    Result<std::shared_ptr<const grammar::CompiledGrammar>> c =
        grammar::CompiledGrammar::create(std::move(g).value(), vocab_->trie, vocab_->end_tokens);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? *c : nullptr;
  }

  GenerationRequest constrained(std::shared_ptr<const grammar::CompiledGrammar> g, float temperature, uint64_t seed,
                                int32_t n, int32_t max_tokens) {
    GenerationRequest r = request("Write JSON:", max_tokens, temperature, seed);
    r.grammar = std::move(g);
    r.n = n;
    return r;
  }

  static testing::TempDir* dir_;
  std::shared_ptr<const GrammarVocab> vocab_;
};

testing::TempDir* ConstrainedGenerationTest::dir_ = nullptr;

TEST_F(ConstrainedGenerationTest, GeneratedSchemasSeedsAndTemperatures) {
  EngineParams ep;
  ep.n_parallel = 8;
  std::unique_ptr<Engine> e = engine(ep);
  int answers = 0, ended = 0;
  for (uint64_t s = 1; s <= 10; ++s) {
    testing::RandomSchemaGenerator gen(s);
    const ojson schema = gen.schema();
    std::shared_ptr<const grammar::CompiledGrammar> g = compile(grammar::compile_json_schema(schema));
    ASSERT_NE(g, nullptr) << schema.dump();
    const testing::JsonSchemaValidator validator(nlohmann::json::parse(schema.dump()));
    for (float temperature : {0.0f, 0.9f, 1.6f}) {
      const Outcome o = run(*e, constrained(g, temperature, s * 10 + static_cast<uint64_t>(temperature * 10), 2, 500));
      ASSERT_TRUE(o.done) << (o.failed ? o.failed->to_string() : "");
      for (size_t c = 0; c < o.text.size(); ++c) {
        ++answers;
        if (o.finish[c] != FinishReason::kStop) continue;  // cut by max_tokens: a prefix, not an answer
        ++ended;
        const nlohmann::json value = nlohmann::json::parse(o.text[c], nullptr, /*allow_exceptions=*/false);
        ASSERT_FALSE(value.is_discarded()) << "not JSON for " << schema.dump() << ":\n" << o.text[c];
        EXPECT_EQ(validator.validate(value), "") << schema.dump() << "\n" << o.text[c];
      }
    }
  }
  std::printf("%d of %d answers ended (the rest were cut by max_tokens)\n", ended, answers);
  // The grammar lets every sentence end; most answers must (a test that validates nothing fails).
  EXPECT_GE(ended * 10, answers * 7) << ended << " of " << answers << " answers ended";
}

// The same property on the reference models of ../shared/reference/logits, one per architecture
// family (their vocabulary is stories260K's 512 tokens, with byte tokens for the rest).
TEST_F(ConstrainedGenerationTest, ReferenceModelsOfSeveralArchitectures) {
  int answers = 0, ended = 0;
  for (const char* name : {"llama3-tiny-F16", "qwen2-tiny-Q8_0", "gemma2-tiny-F16", "phi3-tiny-F16",
                           "qwen3moe-tiny-F16", "mixtral-tiny-Q4_0"}) {
    load(testing::shared_dir() / "reference" / "logits" / (std::string(name) + ".gguf"));
    vocab_ = build_grammar_vocab(*tok_);
    std::unique_ptr<Engine> e = engine();
    for (uint64_t s = 100; s < 104; ++s) {
      testing::RandomSchemaGenerator gen(s);
      const ojson schema = gen.schema();
      std::shared_ptr<const grammar::CompiledGrammar> g = compile(grammar::compile_json_schema(schema));
      ASSERT_NE(g, nullptr) << schema.dump();
      const testing::JsonSchemaValidator validator(nlohmann::json::parse(schema.dump()));
      const Outcome o = run(*e, constrained(g, s % 2 ? 1.0f : 0.0f, s, 2, 400));
      ASSERT_TRUE(o.done) << name << ": " << (o.failed ? o.failed->to_string() : "");
      for (size_t c = 0; c < o.text.size(); ++c) {
        ++answers;
        if (o.finish[c] != FinishReason::kStop) continue;
        ++ended;
        const nlohmann::json value = nlohmann::json::parse(o.text[c], nullptr, /*allow_exceptions=*/false);
        ASSERT_FALSE(value.is_discarded()) << name << ", " << schema.dump() << ":\n" << o.text[c];
        EXPECT_EQ(validator.validate(value), "") << name << ", " << schema.dump() << "\n" << o.text[c];
      }
    }
  }
  std::printf("%d of %d answers ended\n", ended, answers);
  EXPECT_GE(ended * 10, answers * 6) << ended << " of " << answers << " answers ended";
}

TEST_F(ConstrainedGenerationTest, BoundedSchemasAlwaysEnd) {
  const ojson schema = ojson::parse(R"({"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 8},
      "age": {"type": "integer", "minimum": 0, "maximum": 150},
      "mood": {"enum": ["happy", "sad", null]},
      "scores": {"type": "array", "items": {"type": "number", "minimum": -5, "maximum": 5}, "maxItems": 3},
      "pet": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"legs": {"type": "integer", "minimum": 0, "maximum": 8}},
              "required": ["legs"], "additionalProperties": false}]}},
    "required": ["name", "age", "mood", "scores", "pet"], "additionalProperties": false})");
  std::shared_ptr<const grammar::CompiledGrammar> g = compile(grammar::compile_json_schema(schema));
  ASSERT_NE(g, nullptr);
  const testing::JsonSchemaValidator validator(nlohmann::json::parse(schema.dump()));
  std::unique_ptr<Engine> e = engine();
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const Outcome o = run(*e, constrained(g, seed == 1 ? 0.0f : 1.3f, seed, 2, 500));
    ASSERT_TRUE(o.done);
    for (size_t c = 0; c < o.text.size(); ++c) {
      ASSERT_EQ(o.finish[c], FinishReason::kStop) << o.text[c];
      const nlohmann::json value = nlohmann::json::parse(o.text[c], nullptr, false);
      ASSERT_FALSE(value.is_discarded()) << o.text[c];
      EXPECT_EQ(validator.validate(value), "") << o.text[c];
    }
  }
}

TEST_F(ConstrainedGenerationTest, AGbnfGrammarDecidesTheText) {
  std::shared_ptr<const grammar::CompiledGrammar> g =
      compile(grammar::parse_gbnf(R"(root ::= ("yes" | "no") ", " [0-9]{2} "\u00e9" [a-z]?)"));
  ASSERT_NE(g, nullptr);
  std::unique_ptr<Engine> e = engine();
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const Outcome o = run(*e, constrained(g, 1.5f, seed, 2, 40));
    ASSERT_TRUE(o.done);
    for (size_t c = 0; c < o.text.size(); ++c) {
      EXPECT_EQ(o.finish[c], FinishReason::kStop);
      const std::string& t = o.text[c];
      EXPECT_TRUE(t.rfind("yes, ", 0) == 0 || t.rfind("no, ", 0) == 0) << t;
      const size_t digits = t.find(", ") + 2;
      ASSERT_GE(t.size(), digits + 4) << t;
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(t[digits])) &&
                  std::isdigit(static_cast<unsigned char>(t[digits + 1]))) << t;
      EXPECT_EQ(t.substr(digits + 2, 2), "\xc3\xa9") << t;
      EXPECT_LE(t.size(), digits + 5) << t;
    }
  }
}

TEST_F(ConstrainedGenerationTest, ConstrainedRequestsAreBatchInvariant) {
  std::shared_ptr<const grammar::CompiledGrammar> g =
      compile(grammar::compile_json_schema(ojson::parse(R"({"type": "array", "items": {"type": "string", "maxLength": 5}, "maxItems": 4})")));
  ASSERT_NE(g, nullptr);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 8; ++i) reqs.push_back(constrained(g, i % 2 ? 1.1f : 0.0f, 50 + static_cast<uint64_t>(i), 1, 300));
  std::unique_ptr<Engine> alone = engine();
  std::vector<Outcome> want;
  for (const GenerationRequest& r : reqs) want.push_back(run(*alone, r));
  EngineParams p;
  p.n_parallel = 8;
  std::unique_ptr<Engine> busy = engine(p);
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (const GenerationRequest& r : reqs) {
    Result<std::shared_ptr<RequestStream>> s = busy->submit(r);
    ASSERT_TRUE(s.ok());
    streams.push_back(*s);
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Outcome got = engine_test::collect(*streams[i], 1);
    EXPECT_EQ(got.tokens[0], want[i].tokens[0]) << "request " << i;
    EXPECT_TRUE(nlohmann::json::accept(got.text[0])) << got.text[0];
  }
}

}  // namespace
}  // namespace herd
