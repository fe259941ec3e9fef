// The Python str helpers and the Unicode tables under them.
#include "chat/py_string.h"

#include <gtest/gtest.h>

#include "chat/unicode.h"

namespace herd::chat {
namespace {

TEST(Unicode, RoundTripsEvenInvalidBytes) {
  const std::string s = "a\xc3\xa9\xf0\x9f\x98\x80\xff\xc3";
  EXPECT_EQ(utf8_encode(utf8_decode(s)), s);
  EXPECT_EQ(utf8_length("a\xc3\xa9\xf0\x9f\x98\x80"), 3u);
}

TEST(Unicode, Classes) {
  EXPECT_TRUE(uni_is_space(0xA0));
  EXPECT_TRUE(uni_is_space(0x3000));
  EXPECT_FALSE(uni_is_space(0x200B));
  EXPECT_EQ(uni_to_upper(U'é'), U'É');
  EXPECT_EQ(uni_to_lower(U'Ж'), U'ж');
  EXPECT_EQ(uni_to_upper(0x0101), 0x0100u);
  EXPECT_FALSE(uni_is_printable(0x2003));
  EXPECT_TRUE(uni_is_printable(0x1F3FB));
}

TEST(PyString, SplitAndStrip) {
  EXPECT_EQ(py_split("  a b  ", std::nullopt, -1), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(py_split("a  b c ", std::nullopt, 1), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(py_rsplit("a b c", std::nullopt, 1), (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(py_rsplit("a,b,c", std::string(","), 1), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(py_split("", std::string(","), -1), (std::vector<std::string>{""}));
  EXPECT_EQ(py_strip("\xe2\x80\x83x\xc2\xa0", std::nullopt, StripSide::kBoth), "x");
  EXPECT_EQ(py_strip("abcba", std::string("ab"), StripSide::kLeft), "cba");
  EXPECT_EQ(py_splitlines("a\r\nb\rc\n", true), (std::vector<std::string>{"a\r\n", "b\r", "c\n"}));
}

TEST(PyString, Case) {
  EXPECT_EQ(py_title("hello wORLD o'neil 3d"), "Hello World O'Neil 3D");
  EXPECT_EQ(py_capitalize("hELLO"), "Hello");
  EXPECT_EQ(py_upper("stra\xc3\x9f" "e"), "STRASSE");
  EXPECT_EQ(py_lower("\xc3\x89" "COLE"), "\xc3\xa9" "cole");
}

TEST(PyString, ReplaceCountFind) {
  EXPECT_EQ(py_replace("aaa", "a", "b", -1), "bbb");
  EXPECT_EQ(py_replace("abc", "", "-", 2), "-a-bc");
  EXPECT_EQ(py_count("abab", "ab"), 2);
  EXPECT_EQ(py_find("\xc3\xa9x", "x", false), 1);
}

}  // namespace
}  // namespace herd::chat
