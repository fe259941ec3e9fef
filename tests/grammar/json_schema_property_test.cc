// Property tests over seeded random schemas (tests/support/json_schema_generator.h), judged by
// the independent validator (tests/support/json_schema_validator.h): instances of a schema are
// accepted, edits the validator rejects are refused, and random walks through the matcher give
// JSON that parses and validates. Also: a large schema compiles.
#include <gtest/gtest.h>

#include <string>

#include "../support/json_schema_generator.h"
#include "../support/json_schema_validator.h"
#include "../support/large_json_schema.h"
#include "grammar/json_schema_gbnf.h"
#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using herd::testing::JsonSchemaValidator;
using herd::testing::RandomSchemaGenerator;
using nlohmann::json;
using ojson = nlohmann::ordered_json;
using testing::compile;
using testing::matches;
using testing::random_walk;

TEST(JsonSchemaProperty, InstancesMutationsAndWalks) {
  size_t n_walks = 0, n_finished = 0, n_refused_mutations = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    RandomSchemaGenerator gen(seed);
    ojson schema = gen.schema();
    Result<std::string> gbnf = json_schema_to_gbnf(schema);
    ASSERT_TRUE(gbnf.ok()) << "seed " << seed << " " << schema.dump() << ": " << gbnf.status().to_string();
    auto grammar = compile(*gbnf);
    ASSERT_NE(grammar, nullptr) << schema.dump();
    JsonSchemaValidator validator{json(schema)};
    for (int i = 0; i < 8; ++i) {
      ojson instance = gen.instance(schema, schema);
      std::string text = instance.dump();
      ASSERT_EQ(validator.validate(json::parse(text)), "") << "generator bug, seed " << seed << " " << schema.dump() << " " << text;
      EXPECT_TRUE(matches(grammar, text)) << "seed " << seed << " schema " << schema.dump() << "\ninstance " << text << "\n" << *gbnf;
      std::string mutated = gen.mutate(instance).dump();
      if (validator.validate(json::parse(mutated)).empty()) continue;
      ++n_refused_mutations;
      EXPECT_FALSE(matches(grammar, mutated)) << "seed " << seed << " schema " << schema.dump() << "\ninvalid " << mutated
                                              << " (" << validator.validate(json::parse(mutated)) << ")\n" << *gbnf;
    }
    for (int w = 0; w < 6; ++w) {
      ++n_walks;
      std::string out;
      if (!random_walk(grammar, gen.rng(), out)) continue;
      ++n_finished;
      json parsed = json::parse(out, nullptr, /*allow_exceptions=*/false);
      ASSERT_FALSE(parsed.is_discarded()) << "seed " << seed << " walk gave " << out;
      EXPECT_EQ(validator.validate(parsed), "") << "seed " << seed << " schema " << schema.dump() << "\nwalk " << out;
    }
  }
  EXPECT_GT(n_refused_mutations, 800u);  // about 1 in 4 edits breaks the schema
  EXPECT_GT(n_finished, n_walks * 9 / 10);
}

TEST(JsonSchemaProperty, ValidatorIsNotTrivial) {
  JsonSchemaValidator v{json::parse(R"({"type":"object","properties":{"a":{"type":"integer","maximum":3}},"required":["a"]})")};
  EXPECT_EQ(v.validate(json::parse(R"({"a":3})")), "");
  EXPECT_NE(v.validate(json::parse(R"({"a":4})")), "");
  EXPECT_NE(v.validate(json::parse(R"({})")), "");
  JsonSchemaValidator one{json::parse(R"({"oneOf":[{"type":"integer"},{"minimum":0}]})")};
  EXPECT_NE(one.validate(json::parse("1")), "");  // both match
  EXPECT_EQ(one.validate(json::parse("-1")), "");
  JsonSchemaValidator date{json::parse(R"({"format":"date"})")};
  EXPECT_NE(date.validate(json::parse(R"("2023-02-29")")), "");
  JsonSchemaValidator pat{json::parse(R"({"pattern":"^\\d+$","maxLength":2})")};
  EXPECT_EQ(pat.validate(json::parse(R"("12")")), "");
  EXPECT_NE(pat.validate(json::parse(R"("123")")), "");
  EXPECT_NE(pat.validate(json::parse(R"("1a")")), "");
}

TEST(JsonSchemaProperty, LargeSchemaCompiles) {
  ojson schema = herd::testing::large_json_schema();
  Result<Grammar> grammar = compile_json_schema(schema);
  ASSERT_TRUE(grammar.ok()) << grammar.status().to_string();
  EXPECT_GT(grammar->rules.size(), 400u);
  // And its grammar takes a minimal instance: the required fields.
  RandomSchemaGenerator gen(7);
  auto compiled = compile(*json_schema_to_gbnf(schema));
  JsonSchemaValidator validator{json(schema)};
  for (int i = 0; i < 3; ++i) {
    std::string text = gen.instance(schema, schema).dump();
    ASSERT_EQ(validator.validate(json::parse(text)), "") << text;
    EXPECT_TRUE(matches(compiled, text)) << text.substr(0, 400);
  }
}

}  // namespace
}  // namespace herd::grammar
