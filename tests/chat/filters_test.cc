// Built-in filters and tests, with Jinja2's (and HF's tojson) semantics.
#include "chat/filters.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Filters, Strings) {
  EXPECT_EQ(render("{{ ' \xc2\xa0 x \xe3\x80\x80'|trim }}|{{ 'xxaxx'|trim('x') }}"), "x|a");
  EXPECT_EQ(render("{{ 'hello WORLD'|title }} {{ 'hello-world(x)'|title }} {{ \"they're\"|title }}"),
            "Hello World Hello-World(X) They're");
  EXPECT_EQ(render("{{ 'aBc'|upper }} {{ 'aBc'|lower }} {{ 'aBC'|capitalize }} {{ '\xc3\xa9t\xc3\xa9'|upper }}"),
            "ABC abc Abc \xc3\x89T\xc3\x89");
  EXPECT_EQ(render("{{ 'aaa'|replace('a', 'b', 2) }} {{ 'ab'|replace('', '-') }}"), "bba -a-b-");
  EXPECT_EQ(render("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }}"),
            "a\n  b\n\n  c|  a\n  b|a\n> \n> b");
  EXPECT_EQ(render("{{ 'a b  c'|wordcount }} {{ '%s=%d'|format('x', 3) }}"), "3 x=3");
  EXPECT_EQ(render("{{ 42|string ~ '!' }} {{ none|string }} {{ [1]|string }}"), "42! None [1]");
}

TEST(Filters, TojsonFollowsHuggingFace) {
  const std::string ctx = R"({"x": {"b": 1, "a": [1.5, "é<&>'", null, true, {}], "c": []}})";
  EXPECT_EQ(render("{{ x|tojson }}", ctx), R"({"b": 1, "a": [1.5, "é<&>'", null, true, {}], "c": []})");
  EXPECT_EQ(render("{{ x|tojson(indent=2) }}", ctx),
            "{\n  \"b\": 1,\n  \"a\": [\n    1.5,\n    \"é<&>'\",\n    null,\n    true,\n    {}\n  ],\n  \"c\": []\n}");
  EXPECT_EQ(render("{{ x|tojson(sort_keys=true, separators=(',', ':')) }}", ctx),
            R"({"a":[1.5,"é<&>'",null,true,{}],"b":1,"c":[]})");
  EXPECT_EQ(render("{{ 'é\n\x01'|tojson(ensure_ascii=true) }}"), R"("\u00e9\n\u0001")");
  EXPECT_EQ(render("{{ {1: 2, none: 3}|tojson }}"), R"({"1": 2, "null": 3})");
  EXPECT_NE(render("{{ [1]|map('string')|tojson }}").find("not JSON serializable"), std::string::npos);
  EXPECT_NE(render("{{ nope|tojson }}").find("not JSON serializable"), std::string::npos);
}

TEST(Filters, Sequences) {
  EXPECT_EQ(render("{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }}"),
            "[1, 2, 3] [3, 2, 1] ['A', 'b', 'c']");
  EXPECT_EQ(render("{{ [1, 2]|first }} {{ [1, 2]|last }} {{ []|first }}| {{ 'abc'|list }} {{ 'abc'|length }}"),
            "1 2 | ['a', 'b', 'c'] 3");
  EXPECT_EQ(render("{{ [1, 2, 3]|join('-') }} {{ x|join(',', attribute='n') }}", R"({"x":[{"n":1},{"n":2}]})"),
            "1-2-3 1,2");
  EXPECT_EQ(render("{{ ['a', 'A', 'b']|unique|list }} {{ [1, 2, 1]|unique|list }}"), "['a', 'b'] [1, 2]");
  EXPECT_EQ(render("{{ [1, 2, 3, 4]|select('even')|list }} {{ [1, 2, 3]|reject('in', [2])|list }}"), "[2, 4] [1, 3]");
  EXPECT_EQ(render("{{ x|selectattr('r', 'equalto', 'u')|map(attribute='c')|list }}",
                   R"({"x":[{"r":"u","c":1},{"r":"a","c":2},{"r":"u","c":3}]})"),
            "[1, 3]");
  EXPECT_EQ(render("{{ x|rejectattr('t')|list|length }} {{ x|selectattr('t', 'defined')|list|length }}",
                   R"({"x":[{"t":1},{},{"t":0}]})"),
            "2 2");
  EXPECT_EQ(render("{{ [1, 2]|map('string')|join }} {{ x|map(attribute='a', default=0)|list }}", R"({"x":[{},{"a":1}]})"),
            "12 [0, 1]");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|items|list }} {{ {'b': 1, 'a': 2}|dictsort }}"),
            "[('b', 1), ('a', 2)] [('a', 2), ('b', 1)]");
  EXPECT_EQ(render("{{ [1, 2, 3]|sum }} {{ [3, 1]|min }} {{ [3, 1]|max }} {{ [1, 2, 3]|reverse|list }}"),
            "6 1 3 [3, 2, 1]");
  EXPECT_EQ(render("{{ [1, 2, 3]|batch(2)|list }} {{ undefined_var|length }} {{ undefined_var|list }}"),
            "[[1, 2], [3]] 0 []");
}

TEST(Filters, GeneratorsAreLazyAndOneShot) {
  EXPECT_EQ(render("{% set g = [1, 2]|select %}{{ g|list }}{{ g|list }}"), "[1, 2][]");
  EXPECT_NE(render("{{ ([1]|select)|length }}").find("has no len()"), std::string::npos);
}

TEST(Filters, Numbers) {
  EXPECT_EQ(render("{{ '42'|int }} {{ ' 7 '|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ 3.9|int }}"),
            "42 7 4 0 5 3");
  EXPECT_EQ(render("{{ '2.5'|float }} {{ 'x'|float }} {{ 3|float }}"), "2.5 0.0 3.0");
  EXPECT_EQ(render("{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 7|round }}"),
            "2.0 4.0 2.67 3.0 7");
  EXPECT_EQ(render("{{ -3|abs }} {{ -2.5|abs }}"), "3 2.5");
}

TEST(Filters, DefaultAndSafe) {
  EXPECT_EQ(render("{{ x|default('d') }} {{ none|default('d') }} {{ ''|default('d', true) }} {{ x|d('e') }}"),
            "d None d e");
  // Markup + str escapes the plain operand (as markupsafe does).
  EXPECT_EQ(render("{{ '<a>'|safe + '<b>' }} {{ '<a>' ~ '<b>'|safe }} {{ '<&>'|escape }}"), "<a>&lt;b&gt; <a><b> &lt;&amp;&gt;");
}

TEST(Filters, LessCommonOnes) {
  EXPECT_EQ(render("{{ 'Hello World'|truncate(5) }} {{ 'Hello World'|truncate(5, true, '!', 0) }} {{ 'ab'|truncate(5) }}"),
            "He... Hell! ab");
  EXPECT_EQ(render("{% for g in x|groupby('r') %}{{ g.grouper }}={{ g.list|map(attribute='c')|join }};{% endfor %}"
                   "{{ (x|groupby('r'))[0] }}",
                   R"({"x":[{"r":"b","c":1},{"r":"a","c":2},{"r":"B","c":3}]})"),
            "a=2;b=13;('a', [{'r': 'a', 'c': 2}])");
  EXPECT_EQ(render("{{ [1, 2, 3, 4, 5]|slice(2)|list }} {{ [1, 2, 3]|slice(2, 0)|list }}"),
            "[[1, 2, 3], [4, 5]] [[1, 2], [3, 0]]");
  EXPECT_EQ(render("{{ 'a b/c&'|urlencode }} {{ {'k': 'a b'}|urlencode }}"), "a%20b/c%26 k=a+b");
  EXPECT_EQ(render("{{ [7]|random }}"), "7");
}

TEST(Filters, UnknownFilterIsAnError) {
  TemplateError e = render_error("{{ 1|frobnicate }}");
  EXPECT_EQ(e.kind, TemplateError::Kind::kRuntime);
  EXPECT_EQ(e.message, "no filter named 'frobnicate'");
}

TEST(Tests, TypeTests) {
  EXPECT_EQ(render("{{ 1 is integer }}{{ 1.0 is integer }}{{ 1.0 is float }}{{ true is number }}{{ true is boolean }}"),
            "TrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 's' is string }}{{ {} is mapping }}{{ [] is sequence }}{{ 's' is iterable }}{{ 3 is iterable }}"),
            "TrueTrueTrueTrueFalse");
  EXPECT_EQ(render("{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ range is callable }}{{ x is iterable }}"),
            "FalseTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 2 is in [1, 2] }}{{ 'ab' is lower }}"),
            "TrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 1 is eq 1 }}{{ 1 is ne 1 }}{{ 1 is lt 2 }}{{ 3 is gt 2 }}{{ 1 is equalto 1.0 }}{{ true is true }}"),
            "TrueFalseTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ 'upper' is filter }}{{ 'odd' is test }}{{ 'nope' is filter }}"), "TrueTrueFalse");
}

}  // namespace
}  // namespace herd::chat
