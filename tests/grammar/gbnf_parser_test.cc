#include "grammar/gbnf_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"

namespace herd::grammar {
namespace {

using testing::compile;
using testing::matches;

std::string error_of(const std::string& gbnf, const GbnfLimits& limits = GbnfLimits()) {
  Result<Grammar> g = parse_gbnf(gbnf, "root", limits);
  EXPECT_FALSE(g.ok()) << gbnf;
  if (g.ok()) return "";
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  return g.status().message();
}

#define EXPECT_ERROR(gbnf, where, what)                                          \
  do {                                                                          \
    const std::string m = error_of(gbnf);                                       \
    EXPECT_EQ(m.rfind(where, 0), 0u) << m;                                      \
    EXPECT_NE(m.find(what), std::string::npos) << m;                            \
  } while (0)

TEST(GbnfParser, Literals) {
  auto g = compile("root ::= \"abc\" \"\" \"d\"");
  EXPECT_TRUE(matches(g, "abcd"));
  EXPECT_FALSE(matches(g, "abc"));
  EXPECT_FALSE(matches(g, "abcdd"));
}

TEST(GbnfParser, Escapes) {
  auto g = compile(R"(root ::= "\n\r\t\\\"\[\]" "\x41\u00e9\U0001F600" [\x30-\x39])");
  EXPECT_TRUE(matches(g, "\n\r\t\\\"[]A\xC3\xA9\xF0\x9F\x98\x80" "7"));
  // \xHH is a code point, so \xff is U+00FF (two bytes in UTF-8), as in llama.cpp.
  auto ff = compile(R"(root ::= "\xff")");
  EXPECT_TRUE(matches(ff, "\xC3\xBF"));
  EXPECT_FALSE(matches(ff, "\xFF"));
}

TEST(GbnfParser, RawUtf8) {
  auto g = compile("root ::= \"h\xC3\xA9\" [\xE4\xB8\x80-\xE9\xBE\xA5]");
  EXPECT_TRUE(matches(g, "h\xC3\xA9\xE4\xB8\xAD"));   // "hé中"
  EXPECT_FALSE(matches(g, "h\xC3\xA9" "a"));
}

TEST(GbnfParser, Classes) {
  auto g = compile(R"(root ::= [a-cx] [^a-z0-9] [-a] [a-] [\]\\] .)");
  EXPECT_TRUE(matches(g, "x!-a]\xE2\x82\xAC"));
  EXPECT_TRUE(matches(g, "c\xC3\xA9" "a-\\\n"));
  EXPECT_FALSE(matches(g, "d!-a]x"));
  EXPECT_FALSE(matches(g, "xa-a]x"));
  EXPECT_FALSE(matches(g, "x!b-]x"));
  // "." is any code point, newline included, but not a lone continuation byte.
  auto any = compile("root ::= .");
  EXPECT_TRUE(matches(any, "\n"));
  EXPECT_TRUE(matches(any, "\xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(matches(any, "\x80"));
  EXPECT_FALSE(matches(any, "\xED\xA0\x80"));  // a surrogate
}

TEST(GbnfParser, RulesGroupsAlternativesAndForwardReferences) {
  auto g = compile(
      "root ::= greeting ( \" \" name | \"!\" )\n"
      "greeting ::= \"hi\" | \"hello\"\n"
      "name ::= [A-Z] [a-z]*\n");
  EXPECT_TRUE(matches(g, "hi Bob"));
  EXPECT_TRUE(matches(g, "hello!"));
  EXPECT_FALSE(matches(g, "hello bob"));
  EXPECT_FALSE(matches(g, "hey!"));
}

TEST(GbnfParser, CommentsAndLineBreaks) {
  auto g = compile(
      "# a grammar\n"
      "root ::= # what follows\n"
      "  \"a\" |   # first\n"
      "  \"b\" (\n"
      "    \"c\"\n"
      "    \"d\"  # inside a group newlines are fine\n"
      "  )\n"
      "\r\n"
      "unused ::= \"z\"\n");
  EXPECT_TRUE(matches(g, "a"));
  EXPECT_TRUE(matches(g, "bcd"));
  EXPECT_FALSE(matches(g, "b"));
}

TEST(GbnfParser, ANewlineEndsARule) {
  // "b" on its own line starts a new rule, which needs a name.
  EXPECT_ERROR("root ::= \"a\"\n  \"b\"\n", "line 2, column 3", "rule name");
}

TEST(GbnfParser, Repetitions) {
  auto g = compile(R"(root ::= "a"* "b"+ "c"? "d"{2} "e"{1,} "f"{1,3} "g"{,2} ("h" "i"){2})");
  EXPECT_TRUE(matches(g, "bddefhihi"));
  EXPECT_TRUE(matches(g, "aaabbbcddeeeefffgghihi"));
  EXPECT_FALSE(matches(g, "ddefhihi"));         // no b
  EXPECT_FALSE(matches(g, "bdefhihi"));         // one d
  EXPECT_FALSE(matches(g, "bddehihi"));         // no f
  EXPECT_FALSE(matches(g, "bddeffffhihi"));     // four f
  EXPECT_FALSE(matches(g, "bddefggghihi"));     // three g
  EXPECT_FALSE(matches(g, "bddefhi"));          // one hi
  EXPECT_FALSE(matches(g, "bddefhihh"));
}

TEST(GbnfParser, BoundedRepetitionIsLinear) {
  Result<Grammar> g = parse_gbnf(R"(root ::= "ab"{0,10000} "c"{5000})");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  size_t elements = 0;
  for (const Rule& r : g->rules) {
    for (const Sequence& alt : r.alternatives) elements += alt.size();
  }
  EXPECT_LE(g->rules.size(), 10010u);
  EXPECT_LE(elements, 40000u);
  auto c = compile(R"(root ::= "ab"{0,300} "c"{3})");
  std::string most;
  for (int i = 0; i < 300; ++i) most += "ab";
  EXPECT_TRUE(matches(c, most + "ccc"));
  EXPECT_FALSE(matches(c, most + "abccc"));
  EXPECT_TRUE(matches(c, "ccc"));
  EXPECT_FALSE(matches(c, "cc"));
}

TEST(GbnfParser, OtherRootName) {
  Result<Grammar> g = parse_gbnf("start ::= \"x\"", "start");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->rules[size_t(g->root)].name, "start");
}

TEST(GbnfParser, ErrorsNameLineAndColumn) {
  EXPECT_ERROR("root ::= foo", "line 1, column 10", "undefined rule 'foo'");
  EXPECT_ERROR("other ::= \"x\"", "line 1, column 1", "no rule named 'root'");
  EXPECT_ERROR("root ::= \"abc", "line 1, column 10", "unterminated string");
  EXPECT_ERROR("root ::= [abc", "line 1, column 10", "unterminated character class");
  EXPECT_ERROR("root ::= \"a\\q\"", "line 1, column 12", "unknown escape");
  EXPECT_ERROR("root ::= \"\\x4\"", "line 1, column 11", "hex digits");
  EXPECT_ERROR("root ::= \"\\uD800\"", "line 1, column 11", "scalar");
  EXPECT_ERROR("root ::= \"\\U00110000\"", "line 1, column 11", "scalar");
  EXPECT_ERROR("root = \"a\"", "line 1, column 6", "'::='");
  EXPECT_ERROR("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1", "defined twice");
  EXPECT_ERROR("root ::= x\nx ::= \"a\"\n\n x2 ::= x2 \"b\"", "line 4, column 2", "left-recursive");
  EXPECT_ERROR("root ::= ( \"a\" | ) *", "line 1, column 10", "left-recursive");
  EXPECT_ERROR("root ::= [z-a]", "line 1, column 11", "backwards");
  EXPECT_ERROR("root ::= []", "line 1, column 10", "empty character class");
  EXPECT_ERROR("root ::= [^\\x00-\\U0010FFFF]", "line 1, column 10", "matches no character");
  EXPECT_ERROR("root ::= \"\xC3\"", "line 1, column 11", "invalid UTF-8");
  EXPECT_ERROR("root ::= \"\xC0\x80\"", "line 1, column 11", "overlong");
  EXPECT_ERROR("root ::= ( \"a\"", "line 1, column 15", "')'");
  EXPECT_ERROR("root ::= \"a\"{3,1}", "line 1, column 10", "below its minimum");
  EXPECT_ERROR("root ::= \"a\"{x}", "line 1, column 14", "number");
  EXPECT_ERROR("root ::= \"a\"{1", "line 1, column 15", "'}'");
  EXPECT_ERROR("root ::= \"a\" }", "line 1, column 14", "end of the line");
  EXPECT_ERROR("root ::= \"a\"\n\n  \"b\" ::= x", "line 3, column 3", "rule name");
}

TEST(GbnfParser, Limits) {
  GbnfLimits small;
  small.max_text_bytes = 20;
  EXPECT_NE(error_of("root ::= \"aaaaaaaaaaaaaaaaaaaa\"", small).find("limit"), std::string::npos);
  GbnfLimits few_rules;
  few_rules.max_rules = 5;
  EXPECT_NE(error_of("root ::= \"a\"{0,10}", few_rules).find("rules"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"{10001}").find("limit of 10000"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"{99999999999999999999999}").find("limit"), std::string::npos);
  // Nested repetitions stay linear (an inner one becomes a rule), but many large ones in a row
  // would still fill memory: bounded by max_elements.
  EXPECT_TRUE(parse_gbnf("root ::= (((\"a\"{10000}){10000}){10000})").ok());
  std::string wide = "root ::=";
  for (int i = 0; i < 200; ++i) wide += " \"a\"{10000}";
  EXPECT_NE(error_of(wide).find("terms"), std::string::npos);
  GbnfLimits shallow;
  shallow.max_nesting = 3;
  EXPECT_NE(error_of("root ::= ((((\"a\"))))", shallow).find("nested"), std::string::npos);
  EXPECT_TRUE(parse_gbnf("root ::= (((\"a\")))", "root", shallow).ok());
  const std::string deep = "root ::= " + std::string(100000, '(') + "\"a\"" + std::string(100000, ')');
  EXPECT_NE(error_of(deep).find("nested"), std::string::npos);
}

TEST(GbnfParser, SeedGrammarsParse) {
  for (const char* name : {"json.gbnf", "arithmetic.gbnf", "list.gbnf", "chess.gbnf", "ambiguous.gbnf"}) {
    const std::string text = testing::seed_grammar(name);
    ASSERT_FALSE(text.empty()) << name;
    Result<Grammar> g = parse_gbnf(text);
    EXPECT_TRUE(g.ok()) << name << ": " << g.status().to_string();
  }
}

TEST(GbnfParser, SameClassIsOneRule) {
  Result<Grammar> once = parse_gbnf("root ::= [^a]");
  Result<Grammar> thrice = parse_gbnf("root ::= [^a] [^a] x\nx ::= [^a]");
  ASSERT_TRUE(once.ok());
  ASSERT_TRUE(thrice.ok());
  EXPECT_EQ(thrice->rules.size(), once->rules.size() + 1);  // just "x"
}

}  // namespace
}  // namespace herd::grammar
