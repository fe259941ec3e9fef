// Python's arithmetic, membership and %-formatting on template values.
#include "chat/operators.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Operators, Arithmetic) {
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }}"),
            "3 -4 2 -2 3.5 1024 0.5");
  EXPECT_EQ(render("{{ 1 + 1.5 }} {{ true + 1 }} {{ 5.5 % 2 }} {{ -5.5 // 2 }}"), "2.5 2 1.5 -3.0");
  EXPECT_EQ(render("{{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 2 }} {{ 2 * [0] }} {{ 'x' * 0 }}|"), "ab [1, 2] abab [0, 0] |");
}

TEST(Operators, Membership) {
  EXPECT_EQ(render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 1 in nope }} {{ 'x' not in 'abc' }}"),
            "True True True False True");
  EXPECT_NE(render("{{ 1 in 'abc' }}").find("requires string as left operand"), std::string::npos);
}

TEST(Operators, PercentFormat) {
  EXPECT_EQ(percent_format("%s|%r|%d|%05.1f|%%|%x", Value::list({Value::string("a"), Value::string("b"),
                                                                 Value::floating(3.9), Value::floating(2.25),
                                                                 Value::integer(255)},
                                                                true)),
            "a|'b'|3|002.2|%|ff");
  EXPECT_THROW(percent_format("%s %s", Value::string("x")), TemplateException);
}

TEST(Operators, MarkupEscapesPlainOperands) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&#34;x&#34;&gt;&amp;&#39;");
  const Value r = binary_op("+", Value::string("<b>", true), Value::string("<i>"), 1000);
  EXPECT_TRUE(r.is_markup());
  EXPECT_EQ(r.str(), "<b>&lt;i&gt;");
}

}  // namespace
}  // namespace herd::chat
