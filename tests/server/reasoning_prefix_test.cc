// after_open_reasoning: free reasoning, the close tag, then the constrained answer only.
#include "server/reasoning_prefix.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"

namespace herd::server {
namespace {

bool accepts(const grammar::Grammar& g, const std::string& text) {
  std::vector<std::string> pieces(256);
  for (int b = 0; b < 256; ++b) pieces[size_t(b)] = std::string(1, char(b));
  auto trie = std::make_shared<const grammar::TokenTrie>(pieces);
  Result<std::shared_ptr<const grammar::CompiledGrammar>> c = grammar::CompiledGrammar::create(g, trie, {});
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  grammar::GrammarMatcher m(*c);
  return m.accept_bytes(text) && m.can_end();
}

TEST(ReasoningPrefixTest, ReasonCloseThenAnswer) {
  Result<grammar::Grammar> answer = grammar::parse_gbnf(R"(root ::= "\"yes\"" | "\"no\"")");
  ASSERT_TRUE(answer.ok());
  Result<grammar::Grammar> g = after_open_reasoning(*answer, "</think>");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_TRUE(accepts(*g, "Let me think. 2 < 3, so</think>\n\n\"yes\""));
  EXPECT_TRUE(accepts(*g, "</think>\"no\"")) << "the reasoning may be empty";
  EXPECT_FALSE(accepts(*g, "\"yes\"")) << "the block must be closed first";
  EXPECT_FALSE(accepts(*g, "hmm</think>maybe"));
  EXPECT_FALSE(accepts(*g, "a</b></think>\"yes\"")) << "no other closing tag inside the reasoning";
}

TEST(ReasoningPrefixTest, OtherTagsAndQuotesAreLiterals) {
  Result<grammar::Grammar> answer = grammar::parse_gbnf(R"(root ::= "ok")");
  ASSERT_TRUE(answer.ok());
  Result<grammar::Grammar> g = after_open_reasoning(*answer, "</thought\">");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_TRUE(accepts(*g, "x</thought\">ok"));
}

}  // namespace
}  // namespace herd::server
