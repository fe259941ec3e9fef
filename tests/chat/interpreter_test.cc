// Statements, scoping, macros, loops, namespaces, and the limits on untrusted templates.
#include "chat/interpreter.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Interpreter, IfElifElse) {
  const std::string t = "{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(render(t, R"({"x":1})"), "one");
  EXPECT_EQ(render(t, R"({"x":2})"), "two");
  EXPECT_EQ(render(t, R"({"x":3})"), "many");
}

TEST(Interpreter, ForLoopVariables) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }} {% endfor %}"),
            "1032103 2121003 3210013 ");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }},{% endfor %}"), "-2,1-3,2-,");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "aba");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in range(6) if x is odd %}{{ x }}{{ loop.length }} {% endfor %}"), "13 33 53 ");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}|items %}{{ k }}{{ v }}{% endfor %}"), "a1b2");
  EXPECT_EQ(render("{% for x in {'a': 1, 'b': 2} %}{{ x }}{% endfor %}"), "ab");
  EXPECT_EQ(render("{% for x in range(9) %}{% if x is even %}{% continue %}{% endif %}{% if x > 6 %}{% break %}"
                   "{% endif %}{{ x }}{% endfor %}"),
            "135");
  EXPECT_EQ(render("{% for item in x recursive %}{{ item.n }}{{ loop.depth }}{% if item.c %}({{ loop(item.c) }})"
                   "{% endif %}{% endfor %}",
                   R"({"x":[{"n":"a","c":[{"n":"b","c":[]},{"n":"c"}]},{"n":"d"}]})"),
            "a1(b2c2)d1");
}

TEST(Interpreter, LoopScopeDoesNotLeakButNamespacesDo) {
  EXPECT_EQ(render("{% set c = 0 %}{% for i in range(3) %}{% set c = c + 1 %}{{ c }}{% endfor %}{{ c }}"), "1110");
  EXPECT_EQ(render("{% set ns = namespace(c=0) %}{% for i in range(3) %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}"),
            "3");
  EXPECT_EQ(render("{% for i in [1] %}{% set inner = 5 %}{% endfor %}{{ inner is defined }}{{ i is defined }}"),
            "FalseFalse");
  EXPECT_EQ(render("{% if true %}{% set y = 2 %}{% endif %}{{ y }}"), "2");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.x = 1 %}{{ ns }}"), "<Namespace {'x': 1}>");
  EXPECT_NE(render("{% set d = {} %}{% set d.x = 1 %}").find("non-namespace"), std::string::npos);
}

TEST(Interpreter, Macros) {
  EXPECT_EQ(render("{% macro m(a, b='B', c=a ~ '!') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, c=3) }}"),
            "1B1! 1B3");
  EXPECT_EQ(render("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, x=2) }}"), "(1,){'x': 2}");
  EXPECT_EQ(render("{% set g = 'G' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}"), "G");
  EXPECT_EQ(render("{% macro wrap(t) %}<{{ t }}:{{ caller() }}>{% endmacro %}{% call wrap('b') %}body{% endcall %}"),
            "<b:body>");
  EXPECT_EQ(render("{% macro li(x) %}[{{ caller(x * 2) }}]{% endmacro %}{% call(v) li(3) %}{{ v }}{% endcall %}"), "[6]");
  EXPECT_EQ(render("{% macro m(x) %}{{ x }}{% endmacro %}{{ m() }}|"), "|");
  // Like Jinja2: extra arguments only when the body reads varargs / kwargs / caller.
  EXPECT_EQ(render_error("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}").message,
            "macro 'm' takes not more than 1 argument(s)");
  EXPECT_EQ(render_error("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }}").message,
            "macro 'm' takes no keyword argument 'b'");
  EXPECT_EQ(render_error("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}").message,
            "macro 'm' got multiple values for argument 'a'");
  EXPECT_EQ(render_error("{% macro m() %}x{% endmacro %}{% call m() %}y{% endcall %}").message,
            "macro 'm' takes no keyword argument 'caller'");
}

TEST(Interpreter, BlocksSetFilterWithGeneration) {
  EXPECT_EQ(render("{% set x | upper %}a{{ 1 }}{% endset %}{{ x }}"), "A1");
  EXPECT_EQ(render("{% filter replace('a', 'b')|upper %}aa{% endfilter %}"), "BB");
  EXPECT_EQ(render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a is defined }}"), "3False");
  EXPECT_EQ(render("x{% generation %}y{{ 1 }}{% endgeneration %}z"), "xy1z");
}

TEST(Interpreter, UndefinedSemantics) {
  EXPECT_EQ(render("[{{ nope }}]{% for x in nope %}x{% endfor %}{{ nope|length }}{{ nope is iterable }}"), "[]0True");
  EXPECT_EQ(render("{{ d.missing }}|{{ d['missing'] }}|{{ l[5] }}|", R"({"d":{}, "l":[]})"), "|||");
  TemplateError e = render_error("{{ nope.attr }}");
  EXPECT_EQ(e.kind, TemplateError::Kind::kRuntime);
  EXPECT_EQ(e.message, "'nope' is undefined");
  EXPECT_EQ(render_error("{{ d.a.b }}", R"({"d":{}})").message, "'dict object' has no attribute 'a'");
  EXPECT_EQ(render_error("{{ nope() }}").message, "'nope' is undefined");
}

TEST(Interpreter, GlobalsAndTime) {
  EXPECT_EQ(render("{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ dict(a=1) }} {{ namespace(a=1).a }}"),
            "[0, 1, 2] [1, 3, 5] {'a': 1} 1");
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %A') }}"), "26 Jul 2024 2024-07-26 Friday");
  EXPECT_EQ(render("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}"), "aba");
  EXPECT_EQ(render("{% set j = joiner('|') %}{% for x in [1, 2] %}{{ j() }}{{ x }}{% endfor %}"), "1|2");
}

TEST(Interpreter, RaiseExceptionCarriesTheExactMessage) {
  TemplateError e;
  const std::string out = render("line1\n  {{ raise_exception('Roles must alternate!') }}", "{}", {}, &e);
  EXPECT_EQ(out, "ERROR: Roles must alternate!");
  EXPECT_EQ(e.kind, TemplateError::Kind::kRaised);
  EXPECT_EQ(e.message, "Roles must alternate!");
  EXPECT_EQ(e.line, 2);
}

TEST(Interpreter, RuntimeErrorsCarryLineAndColumn) {
  TemplateError e = render_error("ok\n{{ 1 + 'a' }}");
  EXPECT_EQ(e.kind, TemplateError::Kind::kRuntime);
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 6);
  EXPECT_EQ(render("ok\n{{ 1 + 'a' }}"),
            "ERROR: chat template error at line 2, column 6: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_NE(render("{{ 1 / 0 }}").find("division by zero"), std::string::npos);
  EXPECT_NE(render("{{ 9223372036854775807 + 1 }}").find("integer overflow"), std::string::npos);
}

TEST(Limits, DeepRecursionIsAnErrorNotACrash) {
  RenderOptions o;
  o.max_call_depth = 50;
  TemplateError e = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "{}", o);
  EXPECT_EQ(e.kind, TemplateError::Kind::kLimit);
  EXPECT_NE(e.message.find("recursion"), std::string::npos) << e.message;
  // The default limit holds too.
  EXPECT_EQ(render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").kind, TemplateError::Kind::kLimit);
}

TEST(Limits, HugeLoopsStop) {
  RenderOptions o;
  o.max_steps = 10000;
  EXPECT_EQ(render_error("{% for i in range(100000) %}{% endfor %}", "{}", o).kind, TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "{}", o).kind,
            TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{{ range(9223372036854775807)|length }}").kind, TemplateError::Kind::kLimit);
}

TEST(Limits, HugeOutputStops) {
  RenderOptions o;
  o.max_output_bytes = 1000;
  EXPECT_EQ(render_error("{% for i in range(10000) %}xxxxxxxxxx{% endfor %}", "{}", o).kind,
            TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{{ 'x' * 100000 }}", "{}", o).kind, TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{% set ns = namespace(s='xx') %}{% for i in range(20) %}{% set ns.s = ns.s + ns.s %}"
                         "{% endfor %}",
                         "{}", o)
                .kind,
            TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{{ 'ab' * 9223372036854775807 }}").kind, TemplateError::Kind::kLimit);
}

TEST(Limits, DeeplyNestedValuesStop) {
  EXPECT_EQ(render_error("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}"
                         "{% endfor %}")
                .kind,
            TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{% set ns = namespace(x=none) %}{% for i in range(100000) %}"
                         "{% set ns.x = namespace(y=ns.x) %}{% endfor %}")
                .kind,
            TemplateError::Kind::kLimit);
  EXPECT_EQ(render_error("{% set ns = namespace(x=none) %}{% for i in range(100000) %}"
                         "{% set ns.x = [ns.x].count %}{% endfor %}")
                .kind,
            TemplateError::Kind::kLimit);
}

TEST(Limits, SelfReferenceDoesNotLoopForever) {
  EXPECT_EQ(render_error("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}").kind, TemplateError::Kind::kLimit);
}

}  // namespace
}  // namespace herd::chat
