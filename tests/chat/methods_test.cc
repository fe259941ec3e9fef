// str/dict/list methods as Python (and the immutable sandbox) define them.
#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Methods, Strip) {
  EXPECT_EQ(render("[{{ ' \t\na b\n '.strip() }}][{{ '  a '.lstrip() }}][{{ '  a '.rstrip() }}]"), "[a b][a ][  a]");
  EXPECT_EQ(render("[{{ 'xyaxy'.strip('xy') }}][{{ '\xc2\xa0" "a\xe2\x80\x83'.strip() }}][{{ '--a'.lstrip('-') }}]"),
            "[a][a][a]");
}

TEST(Methods, Split) {
  EXPECT_EQ(render("{{ ' a  b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }}"),
            "['a', 'b'] ['a', 'b', '', 'c'] ['a', 'b c']");
  EXPECT_EQ(render("{{ 'a b c'.rsplit(' ', 1) }} {{ 'a\nb\r\nc'.splitlines() }}"), "['a b', 'c'] ['a', 'b', 'c']");
  EXPECT_EQ(render("{{ '<think>x</think>y'.split('</think>')[-1] }}"), "y");
}

TEST(Methods, CaseAndPredicates) {
  EXPECT_EQ(render("{{ 'hello wORLD 1st'.title() }} {{ 'aBC'.capitalize() }} {{ 'Ab'.swapcase() }}"),
            "Hello World 1St Abc aB");
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.startswith('b', 1) }}"),
            "True True True");
  EXPECT_EQ(render("{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'AB'.isupper() }} {{ ''.isdigit() }}"),
            "True True True True False");
}

TEST(Methods, SearchReplaceFormat) {
  EXPECT_EQ(render("{{ 'abcb'.find('b') }} {{ 'abcb'.rfind('b') }} {{ 'abc'.find('z') }} {{ 'aaa'.count('a') }}"),
            "1 3 -1 3");
  EXPECT_EQ(render("{{ 'a-b-c'.replace('-', '+', 1) }} {{ ', '.join(['a', 'b']) }}"), "a+b-c a, b");
  EXPECT_EQ(render("{{ '{} and {}'.format(1, 'x') }} {{ '{0}{0}{name}'.format('a', name='n') }} {{ '{:.2f}'.format(1.5) }}"),
            "1 and x aan 1.50");
  EXPECT_EQ(render("{{ '{0:>5}|{1:<4}|{2:^6}|{3:05d}|{4:*^7.2f}|{5:+d}|{6:.1%}'.format('a', 'b', 'c', 42, 3.14159, 5, 0.25) }}"),
            "    a|b   |  c   |00042|*3.14**|+5|25.0%");
  EXPECT_EQ(render("{{ '%c%c|%5s|%-3d|' % (72, 'i', 'x', 7) }}"), "Hi|    x|7  |");
  EXPECT_EQ(render("{{ 'ab'.center(6, '*') }} {{ '5'.zfill(3) }} {{ 'a'.ljust(3) }}|"), "**ab** 005 a  |");
  EXPECT_EQ(render("{{ 'a=b'.partition('=') }} {{ 'prefix_x'.removeprefix('prefix_') }}"), "('a', '=', 'b') x");
}

TEST(Methods, DictMethodsComeBeforeKeys) {
  const std::string ctx = R"({"d": {"items": {"type": "string"}, "keys": 1, "b": 2}})";
  EXPECT_EQ(render("{{ d.items() | list }}", ctx), "[('items', {'type': 'string'}), ('keys', 1), ('b', 2)]");
  EXPECT_EQ(render("{{ d['items'] }} {{ d.keys()|list }} {{ d.values()|list|length }}", ctx),
            "{'type': 'string'} ['items', 'keys', 'b'] 3");
  EXPECT_EQ(render("{{ d.get('b') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.b }}", ctx), "2 None 5 2");
  EXPECT_EQ(render("{{ d.items is defined }} {{ d.nope is defined }}", ctx), "True False");
}

TEST(Methods, SandboxRefusesMutation) {
  TemplateError e = render_error("{% set x = [1] %}{{ x.append(2) }}");
  EXPECT_EQ(e.kind, TemplateError::Kind::kRuntime);
  EXPECT_NE(e.message.find("unsafe"), std::string::npos) << e.message;
  EXPECT_NE(render("{% set d = {} %}{{ d.update({'a': 1}) }}").find("unsafe"), std::string::npos);
  EXPECT_EQ(render("{{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}"), "2 1");
}

}  // namespace
}  // namespace herd::chat
