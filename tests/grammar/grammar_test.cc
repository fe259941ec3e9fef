#include "grammar/grammar.h"

#include <gtest/gtest.h>

namespace herd::grammar {
namespace {

Element bytes(char c) { return byte_element(uint8_t(c)); }
Element ref(int32_t rule) { return rule_element(rule); }

TEST(GrammarValidate, AcceptsRightRecursion) {
  Grammar g;
  g.rules = {{"root", {{bytes('a'), ref(0)}, {}}}};
  EXPECT_TRUE(validate(g).ok());
  EXPECT_EQ(left_recursive_rule(g), -1);
}

TEST(GrammarValidate, RejectsRootOutOfRange) {
  Grammar g;
  g.rules = {{"root", {{bytes('a')}}}};
  g.root = 1;
  EXPECT_FALSE(validate(g).ok());
  g.root = -1;
  EXPECT_FALSE(validate(g).ok());
}

TEST(GrammarValidate, RejectsEmptyRule) {
  Grammar g;
  g.rules = {{"root", {{ref(1)}}}, {"hollow", {}}};
  const Status s = validate(g);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("hollow"), std::string::npos) << s.message();
}

TEST(GrammarValidate, RejectsUndefinedReference) {
  Grammar g;
  g.rules = {{"root", {{bytes('a'), ref(7)}}}};
  const Status s = validate(g);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("root"), std::string::npos) << s.message();
}

TEST(GrammarValidate, RejectsDirectLeftRecursion) {
  Grammar g;
  g.rules = {{"root", {{ref(0), bytes('a')}, {bytes('b')}}}};
  const Status s = validate(g);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("left-recursive"), std::string::npos) << s.message();
}

TEST(GrammarValidate, RejectsIndirectLeftRecursion) {
  Grammar g;
  g.rules = {{"root", {{ref(1), bytes('a')}}}, {"other", {{ref(0)}, {bytes('b')}}}};
  EXPECT_FALSE(validate(g).ok());
  EXPECT_GE(left_recursive_rule(g), 0);
}

TEST(GrammarValidate, RejectsLeftRecursionThroughNullablePrefix) {
  // root ::= maybe maybe2 root "x" | "y"; maybe ::= "m" | (empty); maybe2 ::= maybe
  Grammar g;
  g.rules = {{"root", {{ref(1), ref(2), ref(0), bytes('x')}, {bytes('y')}}},
             {"maybe", {{bytes('m')}, {}}},
             {"maybe2", {{ref(1)}}}};
  const Status s = validate(g);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'root'"), std::string::npos) << s.message();
}

TEST(GrammarValidate, ANonNullablePrefixBreaksTheCycle) {
  // Same shape, but "maybe" must match a byte: root is reached only after one.
  Grammar g;
  g.rules = {{"root", {{ref(1), ref(0), bytes('x')}, {bytes('y')}}}, {"maybe", {{bytes('m')}}}};
  EXPECT_TRUE(validate(g).ok());
}

TEST(GrammarValidate, NullableThroughALongChainAndRepeatedReferences) {
  // r0 ::= r1 r1 ... r(n-1) ::= rn, rn ::= (empty); root ::= r0 root "x" is then left-recursive.
  Grammar g;
  const int32_t n = 3000;
  g.rules.push_back({"root", {{ref(1), ref(0), bytes('x')}, {bytes('y')}}});
  for (int32_t i = 0; i < n; ++i) g.rules.push_back({"r" + std::to_string(i), {{ref(i + 2), ref(i + 2)}}});
  g.rules.push_back({"end", {{}}});
  EXPECT_FALSE(validate(g).ok());
  g.rules.back().alternatives = {{bytes('e')}};  // now nothing is nullable
  EXPECT_TRUE(validate(g).ok());
}

}  // namespace
}  // namespace herd::grammar
