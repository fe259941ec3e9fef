// graft_rule: a host grammar's placeholder rule becomes another grammar's root, names and
// references kept apart, so tool-call wrappers can hold each function's argument grammar.
#include "grammar/grammar_graft.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"

namespace herd::grammar {
namespace {

// A matcher over single-byte tokens (id = byte value) for the grammar.
GrammarMatcher matcher_for(Grammar g) {
  std::vector<std::string> pieces(256);
  for (int b = 0; b < 256; ++b) pieces[size_t(b)] = std::string(1, char(b));
  auto trie = std::make_shared<const TokenTrie>(pieces);
  Result<std::shared_ptr<const CompiledGrammar>> c = CompiledGrammar::create(std::move(g), trie, {});
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return GrammarMatcher(*c);
}

bool accepts(const Grammar& g, const std::string& text) {
  GrammarMatcher m = matcher_for(g);
  return m.accept_bytes(text) && m.can_end();
}

TEST(GrammarGraftTest, APlaceholderBecomesTheGuestsRoot) {
  Result<Grammar> host = parse_gbnf(R"g(root ::= "f(" args0 ")" | "g(" args1 ")"
args0 ::= "x"
args1 ::= "x")g");
  ASSERT_TRUE(host.ok());
  // Both guests name their rules "root" and "item": grafting must keep them apart.
  Result<Grammar> digits = parse_gbnf(R"(root ::= item ("," item)*
item ::= [0-9])");
  Result<Grammar> words = parse_gbnf(R"(root ::= item+
item ::= [a-z])");
  ASSERT_TRUE(digits.ok() && words.ok());
  ASSERT_TRUE(graft_rule(&*host, "args0", *digits).ok());
  ASSERT_TRUE(graft_rule(&*host, "args1", *words).ok());
  EXPECT_TRUE(validate(*host).ok());
  EXPECT_TRUE(accepts(*host, "f(1,2,3)"));
  EXPECT_TRUE(accepts(*host, "g(abc)"));
  EXPECT_FALSE(accepts(*host, "f(abc)"));
  EXPECT_FALSE(accepts(*host, "g(1)"));
  EXPECT_FALSE(accepts(*host, "f(x)")) << "the placeholder's own text is gone";
}

TEST(GrammarGraftTest, AMissingRuleIsNotFound) {
  Result<Grammar> host = parse_gbnf(R"(root ::= "a")");
  Result<Grammar> guest = parse_gbnf(R"(root ::= "b")");
  ASSERT_TRUE(host.ok() && guest.ok());
  Status s = graft_rule(&*host, "nope", *guest);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace herd::grammar
