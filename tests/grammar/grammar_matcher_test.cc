#include "grammar/grammar_matcher.h"

#include <gtest/gtest.h>

#include <string>

#include "grammar_test_util.h"

namespace herd::grammar {
namespace {

using testing::accepts_prefix;
using testing::compile;
using testing::kByteEos;
using testing::matches;
using testing::seed_grammar;

TEST(GrammarMatcher, Json) {
  auto g = compile(seed_grammar("json.gbnf"));
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(matches(g, "{}"));
  EXPECT_TRUE(matches(g, R"({"a": 1, "b": [true, false, null, -0.5e+3, "x\"\u00e9\n"], "c": {"d": []}})"));
  EXPECT_TRUE(matches(g, "{\"h\xC3\xA9\": \"\xF0\x9F\x98\x80\"}"));
  EXPECT_TRUE(matches(g, "{ \n\t\"a\" :1}"));
  EXPECT_FALSE(matches(g, "{\"a\": 01}"));           // leading zero
  EXPECT_FALSE(matches(g, "{\"a\": 1,}"));           // trailing comma
  EXPECT_FALSE(matches(g, "{\"a\": \"\x01\"}"));     // control character in a string
  EXPECT_FALSE(matches(g, "{\"a\": \"\\q\"}"));      // unknown escape
  EXPECT_FALSE(matches(g, "{\"a\": \"\xC3\"}"));     // a cut UTF-8 character
  EXPECT_FALSE(matches(g, "[1]"));                   // root is an object
  EXPECT_FALSE(matches(g, "{\"a\": 1"));             // unfinished: a prefix, not a sentence
  EXPECT_TRUE(accepts_prefix(g, "{\"a\": 1"));
  EXPECT_TRUE(accepts_prefix(g, "{\"a\": \"\xC3"));  // inside a character
  EXPECT_FALSE(accepts_prefix(g, "{\"a\": \"\xC3" "a"));
}

TEST(GrammarMatcher, Arithmetic) {
  auto g = compile(seed_grammar("arithmetic.gbnf"));
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(matches(g, "1+2*3"));
  EXPECT_TRUE(matches(g, "(1.5 - -2) / ((3))"));
  EXPECT_FALSE(matches(g, "1+"));
  EXPECT_FALSE(matches(g, "(1"));
  EXPECT_FALSE(matches(g, "1 +  2"));
}

TEST(GrammarMatcher, AmbiguousGrammarsKeepEveryParse) {
  // "xx" is a, or b, or two characters: all three parses must survive until they differ.
  auto g = compile(seed_grammar("ambiguous.gbnf"));
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(matches(g, ""));
  EXPECT_TRUE(matches(g, "xx"));
  EXPECT_TRUE(matches(g, "xxxxxy"));
  EXPECT_TRUE(matches(g, "q\xC3\xA9"));
  EXPECT_FALSE(matches(g, "xxq"));
  auto same = compile("root ::= \"ab\" \"c\" | \"a\" \"bc\" | \"a\" \"b\" \"d\"");
  EXPECT_TRUE(matches(same, "abc"));
  EXPECT_TRUE(matches(same, "abd"));
}

TEST(GrammarMatcher, NullableRules) {
  auto g = compile("root ::= a b a \"!\"\na ::= \"x\"? | \"\"\nb ::= a a");
  EXPECT_TRUE(matches(g, "!"));
  EXPECT_TRUE(matches(g, "xxxx!"));
  EXPECT_FALSE(matches(g, "xxxxx!"));
  GrammarMatcher m(g);
  EXPECT_FALSE(m.can_end());
  auto empty = compile("root ::= \"\" | e\ne ::= ( )");
  EXPECT_TRUE(matches(empty, ""));
  GrammarMatcher e(empty);
  EXPECT_TRUE(e.can_end());
  EXPECT_FALSE(e.accept_bytes("a"));
}

TEST(GrammarMatcher, RepetitionBounds) {
  auto g = compile("root ::= [0-9]{2,4} \"-\" [a-z]{0,2}");
  EXPECT_FALSE(matches(g, "1-"));
  EXPECT_TRUE(matches(g, "12-"));
  EXPECT_TRUE(matches(g, "1234-ab"));
  EXPECT_FALSE(matches(g, "12345-"));
  EXPECT_FALSE(matches(g, "12-abc"));
}

TEST(GrammarMatcher, DeepRightRecursionKeepsStacksFlat) {
  // One megabyte through x*: each byte a step of the same loop.
  auto g = compile("root ::= \"[\" [a-z]* \"]\"");
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_bytes("["));
  const std::string chunk(4096, 'q');
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(m.accept_bytes(chunk));
  EXPECT_FALSE(m.can_end());
  EXPECT_TRUE(m.accept_bytes("]"));
  EXPECT_TRUE(m.can_end());
}

TEST(GrammarMatcher, RefusalChangesNothing) {
  auto g = compile("root ::= \"abc\" | \"abd\"");
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_bytes("ab"));
  EXPECT_FALSE(m.accept_bytes("cx"));
  EXPECT_FALSE(m.accept_token('e'));
  EXPECT_FALSE(m.accept_token(kByteEos));  // cannot end yet
  EXPECT_FALSE(m.accept_token(-1));
  EXPECT_FALSE(m.accept_token(100000));
  EXPECT_TRUE(m.accept_bytes("d"));
  EXPECT_TRUE(m.can_end());
  EXPECT_FALSE(m.accept_bytes("d"));
  EXPECT_TRUE(m.accept_bytes(""));
}

TEST(GrammarMatcher, EndTokens) {
  auto g = compile("root ::= \"a\"+");
  GrammarMatcher m(g);
  EXPECT_FALSE(m.allowed_tokens().allows(kByteEos));
  EXPECT_TRUE(m.accept_token('a'));
  EXPECT_TRUE(m.allowed_tokens().allows(kByteEos));
  EXPECT_TRUE(m.allowed_tokens().allows('a'));
  EXPECT_TRUE(m.accept_token(kByteEos));
  EXPECT_TRUE(m.is_ended());
  EXPECT_FALSE(m.accept_token('a'));
  EXPECT_FALSE(m.accept_token(kByteEos));
  EXPECT_FALSE(m.accept_bytes("a"));
  EXPECT_FALSE(m.is_dead());
}

TEST(GrammarMatcher, WhereOnlyEndingIsLeftTheMaskIsTheEndTokens) {
  auto g = compile("root ::= \"ok\"");
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_bytes("ok"));
  const TokenMask& mask = m.allowed_tokens();
  for (int32_t id = 0; id <= kByteEos; ++id) EXPECT_EQ(mask.allows(id), id == kByteEos) << id;
}

TEST(GrammarMatcher, ForksAreIndependent) {
  auto g = compile("root ::= \"a\" ( \"b\" | \"c\" ) \"d\"");
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_token('a'));
  GrammarMatcher fork(m);
  EXPECT_TRUE(fork.accept_token('b'));
  EXPECT_TRUE(m.accept_token('c'));
  EXPECT_FALSE(fork.accept_token('c'));
  EXPECT_FALSE(m.allowed_tokens().allows('c'));
  EXPECT_TRUE(fork.accept_token('d'));
  EXPECT_TRUE(fork.can_end());
  EXPECT_FALSE(m.can_end());
  GrammarMatcher moved(std::move(fork));
  EXPECT_TRUE(moved.can_end());
  moved = GrammarMatcher(m);
  EXPECT_FALSE(moved.can_end());
}

TEST(GrammarMatcher, ExplodingGrammarFailsCleanly) {
  // Every "a" doubles the distinct stacks (each may close with "b" or "c").
  MatcherLimits limits;
  limits.max_stacks = 64;
  auto g = compile("root ::= s\ns ::= \"a\" s \"b\" | \"a\" s \"c\" | \"\"", testing::byte_trie(), {kByteEos}, limits);
  GrammarMatcher m(g);
  EXPECT_TRUE(m.accept_bytes("aaaa"));
  EXPECT_FALSE(m.accept_bytes(std::string(20, 'a')));
  EXPECT_FALSE(m.allowed_tokens().allows('a') && m.accept_bytes(std::string(10, 'a')));
  EXPECT_TRUE(m.accept_bytes("bcbc"));  // still usable: the refusals changed nothing
  EXPECT_TRUE(m.can_end());
}

TEST(GrammarMatcher, CreateRefusesAnExplodingStart) {
  // Before any byte, x0 has 2^12 distinct continuations (a "p" or a "q" after every level).
  std::string gbnf = "root ::= x0\n";
  for (int i = 0; i < 12; ++i) {
    const std::string next = "x" + std::to_string(i + 1);
    gbnf += "x" + std::to_string(i) + " ::= " + next + " \"p\" | " + next + " \"q\"\n";
  }
  gbnf += "x12 ::= [a-z]\n";
  Result<Grammar> parsed = parse_gbnf(gbnf);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  MatcherLimits limits;
  limits.max_stacks = 16;
  auto refused = CompiledGrammar::create(parsed.value(), testing::byte_trie(), {kByteEos}, limits);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  limits.max_stacks = 8192;
  auto g = compile(gbnf, testing::byte_trie(), {kByteEos}, limits);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(matches(g, "kqpqpqpqpqppp"));
  EXPECT_FALSE(matches(g, "kqpqpqpqpqpp"));
}

TEST(GrammarMatcher, CreateRefusesBadInput) {
  Result<Grammar> parsed = parse_gbnf("root ::= \"a\"");
  ASSERT_TRUE(parsed.ok());
  Grammar left;
  left.rules = {{"root", {{rule_element(0)}}}};
  EXPECT_FALSE(CompiledGrammar::create(left, testing::byte_trie(), {}).ok());
  EXPECT_FALSE(CompiledGrammar::create(parsed.value(), nullptr, {}).ok());
  EXPECT_FALSE(CompiledGrammar::create(parsed.value(), testing::byte_trie(), {257}).ok());
  EXPECT_FALSE(CompiledGrammar::create(parsed.value(), testing::byte_trie(), {-1}).ok());
}

}  // namespace
}  // namespace herd::grammar
