// Python's printing, equality and ordering of values.
#include "chat/value.h"

#include <gtest/gtest.h>

#include "render_util.h"

namespace herd::chat {
namespace {

TEST(Value, FloatReprIsPythons) {
  EXPECT_EQ(float_repr(5.5), "5.5");
  EXPECT_EQ(float_repr(1.0), "1.0");
  EXPECT_EQ(float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(float_repr(0.0001), "0.0001");
  EXPECT_EQ(float_repr(0.00001), "1e-05");
  EXPECT_EQ(float_repr(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(float_repr(1.0 / 0.0), "inf");
}

TEST(Value, StringReprPicksQuotesAndEscapes) {
  EXPECT_EQ(string_repr("abc"), "'abc'");
  EXPECT_EQ(string_repr("it's"), "\"it's\"");
  EXPECT_EQ(string_repr("it's \"x\""), "'it\\'s \"x\"'");
  EXPECT_EQ(string_repr("a\nb\t\\"), "'a\\nb\\t\\\\'");
  EXPECT_EQ(string_repr("\x01"), "'\\x01'");
  EXPECT_EQ(string_repr("\xc2\xa0|\xe3\x80\x80|\xc3\xa9"), "'\\xa0|\\u3000|\xc3\xa9'");  // NBSP, U+3000 escaped
  EXPECT_EQ(string_repr("\xf0\x9f\x98\x80"), "'\xf0\x9f\x98\x80'");                   // emoji printable
}

TEST(Value, PrintsLikePython) {
  EXPECT_EQ(render("{{ none }} {{ true }} {{ false }} {{ 3 }} {{ 2.0 }} {{ undefined_var }}|"), "None True False 3 2.0 |");
  EXPECT_EQ(render("{{ x }}", R"({"x": {"a": [1, 2.5, null, true, "q"]}})"), "{'a': [1, 2.5, None, True, 'q']}");
  EXPECT_EQ(render("{{ x }} {{ y }}", R"({"x": 5, "y": 5.0})"), "5 5.0");
}

TEST(Value, ViewsAndRangesPrintLikePython) {
  EXPECT_EQ(render("{{ d.keys() }} {{ d.values() }} {{ d.items() }}", R"({"d":{"a":1}})"),
            "dict_keys(['a']) dict_values([1]) dict_items([('a', 1)])");
  EXPECT_EQ(render("{{ range(3) }} {{ range(1, 9, 2) }} {{ range(3)|list }}"), "range(0, 3) range(1, 9, 2) [0, 1, 2]");
  EXPECT_NE(render("{{ {'a': 1}.items()|tojson }}").find("dict_items is not JSON serializable"), std::string::npos);
  EXPECT_EQ(render("{{ {'a': 1}.items()|list|tojson }}"), "[[\"a\", 1]]");
}

TEST(Value, EqualityAcrossNumericTypes) {
  EXPECT_TRUE(py_equal(Value::integer(1), Value::floating(1.0)));
  EXPECT_TRUE(py_equal(Value::boolean(true), Value::integer(1)));
  EXPECT_FALSE(py_equal(Value::string("1"), Value::integer(1)));
  EXPECT_FALSE(py_equal(Value::list({Value::integer(1)}), Value::list({Value::integer(1)}, true)));
  EXPECT_TRUE(py_equal(Value::none(), Value::none()));
  EXPECT_FALSE(py_equal(Value::none(), Value()));
}

TEST(Value, OrderingAndTypeErrors) {
  EXPECT_EQ(py_compare(Value::integer(1), Value::floating(1.5)), -1);
  EXPECT_EQ(py_compare(Value::string("b"), Value::string("a")), 1);
  EXPECT_THROW(py_compare(Value::string("a"), Value::integer(1)), TemplateException);
}

TEST(Value, Truthiness) {
  EXPECT_EQ(render("{{ 'y' if '' else 'n' }}{{ 'y' if [] else 'n' }}{{ 'y' if {} else 'n' }}{{ 'y' if 0.0 else 'n' }}"
                   "{{ 'y' if undefined_var else 'n' }}{{ 'y' if ' ' else 'n' }}"),
            "nnnnny");
}

}  // namespace
}  // namespace herd::chat
