// Grammar, precedence and syntax errors with their positions.
#include "chat/parser.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Parser, Precedence) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}"), "7 9 64 4");
  EXPECT_EQ(render("{{ 'x' + 1 ~ 2 }} {{ 'a' ~ 2 * 3 }}"), "x12 a6");  // ~ binds tighter than +
  EXPECT_EQ(render("{{ not 1 == 2 }} {{ not true and false }} {{ false or not false }}"), "True False True");
  EXPECT_EQ(render("{{ -3|abs }} {{ 'ab'|upper ~ 'c' }}"), "3 ABc");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"), "True False");
  EXPECT_EQ(render("{{ 'a' if 0 else 'b' if 1 else 'c' }}"), "b");
  EXPECT_EQ(render("{{ x is not defined and 1 in [1] and 2 not in [1] }}"), "True");
}

TEST(Parser, Literals) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.5] }}"), "[1, 'a', None, True, 1.5]");
  EXPECT_EQ(render("{{ (1,) }} {{ (1, 2) }} {{ () }} {{ {'a': 1, 'b': [2]} }}"), "(1,) (1, 2) () {'a': 1, 'b': [2]}");
  EXPECT_EQ(render("{{ [1, 2,] }} {{ True }} {{ None }}"), "[1, 2] True None");
}

TEST(Parser, SubscriptsAndSlices) {
  EXPECT_EQ(render("{{ x[1:] }} {{ x[:2] }} {{ x[::2] }} {{ x[::-1] }} {{ x[-1] }} {{ x.0 }}", R"({"x":[1,2,3]})"),
            "[2, 3] [1, 2] [1, 3] [3, 2, 1] 3 1");
}

TEST(Parser, TestsTakeOneBareArgument) {
  EXPECT_EQ(render("{{ 6 is divisibleby 3 }} {{ 6 is divisibleby(4) }} {{ 'a' is in 'abc' }}"), "True False True");
}

std::string syntax_error(const std::string& text) {
  TemplateError e;
  Result<Template> t = Template::parse(text, {}, &e);
  if (t.ok()) return "parsed";
  EXPECT_EQ(e.kind, TemplateError::Kind::kSyntax);
  return std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message;
}

TEST(Parser, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(syntax_error("{% if x %}\nabc"), "2:4 unexpected end of template; looking for 'elif' or 'else' or 'endif'");
  EXPECT_EQ(syntax_error("a\n{% frobnicate %}"), "2:4 encountered unknown tag 'frobnicate'");
  EXPECT_EQ(syntax_error("{{ 1 + }}"), "1:8 unexpected end of print statement");
  EXPECT_EQ(syntax_error("{{ f(a=1, 2) }}"), "1:11 positional argument after keyword argument");
  EXPECT_EQ(syntax_error("{% for in x %}{% endfor %}"), "1:8 expected an expression, got 'in'");
  EXPECT_EQ(syntax_error("{% set 1 = 2 %}"), "1:8 can't assign to this expression");
  EXPECT_EQ(syntax_error("{{ a b }}"), "1:6 expected end of print statement, got 'b'");
  EXPECT_EQ(syntax_error("{% endif %}"), "1:4 encountered unknown tag 'endif'");
  EXPECT_EQ(syntax_error("{{ x ) }}"), "1:6 unexpected ')'");
}

TEST(Parser, NestingIsBounded) {
  const std::string deep = std::string(10000, '(') + "1" + std::string(10000, ')');
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if 1 %}";
  const std::string msg = syntax_error(ifs);
  EXPECT_NE(msg.find("nested too deeply"), std::string::npos) << msg;
  EXPECT_NE(syntax_error("{{ " + deep + " }}").find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace herd::chat
