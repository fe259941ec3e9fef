// Whitespace control, comments, raw blocks, literals and lexer errors.
#include "chat/lexer.h"

#include <gtest/gtest.h>

#include "chat/value.h"
#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Lexer, TrimBlocksDropsTheNewlineAfterABlockTag) {
  EXPECT_EQ(render("{% if true %}\nA\n{% endif %}\nB"), "A\nB");
  EXPECT_EQ(render("{{ 1 }}\nB"), "1\nB");  // not after a print
  EXPECT_EQ(render("{# c #}\nB"), "B");     // after a comment too
}

TEST(Lexer, LstripBlocksDropsIndentBeforeABlockTag) {
  EXPECT_EQ(render("  {% if true %}\n  x\n  {% endif %}\n"), "  x\n");
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");  // not at the start of a line
  EXPECT_EQ(render("  {{ 1 }}"), "  1");                       // prints keep their indent
  EXPECT_EQ(render("  {%+ if true %}b{% endif %}"), "  b");    // + keeps it
}

TEST(Lexer, MinusMarkersStripAllWhitespace) {
  EXPECT_EQ(render("a \n\t {{- 1 -}} \n b"), "a1b");
  EXPECT_EQ(render("a\n  {%- if true -%}  \n  b  {%- endif %}"), "ab");
  EXPECT_EQ(render("a \u3000{{- 'x' }}"), "ax");  // Unicode whitespace too
}

TEST(Lexer, DropsOneTrailingNewline) {
  EXPECT_EQ(render("abc\n"), "abc");
  EXPECT_EQ(render("abc\n\n"), "abc\n");
  EXPECT_EQ(render("a\r\nb\r\n"), "a\nb");  // \r\n and \r become \n
}

TEST(Lexer, CommentsAndRaw) {
  EXPECT_EQ(render("a{# {{ x }} %} #}b"), "ab");
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  EXPECT_EQ(render("{%- raw -%}  {{ y }}  {%- endraw -%}"), "{{ y }}");
}

TEST(Lexer, StringLiterals) {
  EXPECT_EQ(render(R"({{ 'a\nb' }})"), "a\nb");
  EXPECT_EQ(render(R"({{ "it's" }}{{ 'say "hi"' }})"), "it'ssay \"hi\"");
  EXPECT_EQ(render(R"({{ '\u00e9\x41\\' }})"), "\xc3\xa9" "A\\");
  EXPECT_EQ(render(R"({{ 'a' 'b' }})"), "ab");  // adjacent literals concatenate
  EXPECT_EQ(render(R"({{ '\d' }})"), "\\d");    // unknown escapes stay
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(render("{{ 1_000 }} {{ 1.5e3 }} {{ 2e-3 }} {{ 10 }}"), "1000 1500.0 0.002 10");
}

TEST(Lexer, BracesInsideExpressionsDoNotEndTheTag) {
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(Lexer, ErrorsCarryLineAndColumn) {
  auto tokens_error = [](const std::string& text) {
    try {
      tokenize(text, LexOptions{});
    } catch (const TemplateException& e) {
      return std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message;
    }
    return std::string("no error");
  };
  EXPECT_EQ(tokens_error("ab\n  {{ 'x }}"), "2:6 unterminated string");
  EXPECT_EQ(tokens_error("{{ a $ b }}"), "1:6 unexpected char '$'");
  EXPECT_EQ(tokens_error("x\n{# never closed"), "2:1 missing end of comment tag");
  EXPECT_EQ(tokens_error("{{ 1 "), "1:1 unexpected end of template, expected '}}'");
}

TEST(Lexer, TokenPositions) {
  const auto toks = tokenize("ab\n{{ foo }}", LexOptions{});
  ASSERT_GE(toks.size(), 4u);
  EXPECT_EQ(toks[0].type, TokType::kText);
  EXPECT_EQ(toks[1].type, TokType::kVarBegin);
  EXPECT_EQ(toks[2].text, "foo");
  EXPECT_EQ(toks[2].line, 2);
  EXPECT_EQ(toks[2].column, 4);
}

}  // namespace
}  // namespace herd::chat
