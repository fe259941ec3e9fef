// Patterns against std::regex (ECMAScript, regex_search: a pattern matches anywhere) on many
// strings, each written as JSON text the way nlohmann writes it.
#include "grammar/regex_gbnf.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "schema_match_util.h"

namespace herd::grammar {
namespace {

using testing::compile;
using testing::matches;

std::shared_ptr<const CompiledGrammar> string_grammar(const std::string& pattern) {
  GbnfWriter writer;
  Result<std::string> contents = regex_to_gbnf(pattern, writer);
  EXPECT_TRUE(contents.ok()) << pattern << ": " << contents.status().to_string();
  if (!contents.ok()) return nullptr;
  writer.define("root", "\"\\\"\" " + *contents + " \"\\\"\"");
  return compile(writer.text());
}

TEST(RegexGbnf, AgreesWithStdRegex) {
  const std::vector<std::string> patterns = {
      "abc", "^abc", "abc$", "^abc$", "^a|b$", "a|b|c", "^(ab|cd)+$", "^a*b+c?$", "^a{2}$", "^a{2,}$", "^a{1,3}b$",
      "^[a-c]+$", "^[^a-c]*$", "^\\d+$", "^\\D$", "^\\w+$", "^\\W+$", "^\\s$", "^\\S+$", "^.$", "^a.b$", "^\\.$",
      "^[\\-\\]]$", "^[a-]$", "^(?:x|y){2}$", "^\\x41\\u0042$", "^\\t$", "^[\\n]$",
      "^\"\\\\$", "^[\"]$", "^[^\"\\\\]+$", "", "^$", "^(a|)b$", "^()$", "^a{0}b$", "^[\\d\\s]+$", "^[\\w.-]+@[\\w-]+$",
      "\\$\\^", "^(a(b(c)))$"};
  const std::vector<std::string> texts = {
      "", "a", "b", "c", "ab", "abc", "xabcx", "abab", "abcd", "cdab", "aab", "aaab", "bb", "aa", "aaa", "abbbc", "ac",
      "xy", "yx", "qr", "AB", "\t", "\n", " ", ".", "-", "]", "x{", "\"\\", "\"", "\\", "a\"b", "123", "12a", "a-b",
      "_9z", "!", "a b", "a.b", "x@y", "x.y-z@w-1", "$^", "b", "a\rb", "\x01", "a{,2}"};
  for (const std::string& pattern : patterns) {
    auto grammar = string_grammar(pattern);
    ASSERT_NE(grammar, nullptr) << pattern;
    std::regex re(pattern, std::regex::ECMAScript);
    for (const std::string& text : texts) {
      std::string json = nlohmann::json(text).dump();
      EXPECT_EQ(matches(grammar, json), std::regex_search(text, re)) << "pattern " << pattern << " text " << json;
    }
  }
}

TEST(RegexGbnf, NamedGroups) {  // std::regex has none, so not in the comparison above
  auto grammar = string_grammar("^(?<n>q)+r$");
  EXPECT_TRUE(matches(grammar, "\"qqr\""));
  EXPECT_FALSE(matches(grammar, "\"r\""));
}

TEST(RegexGbnf, NonAsciiAndEscapedForms) {
  auto grammar = string_grammar("^[\\u00e9-\\u00ff]{2}$");
  EXPECT_TRUE(matches(grammar, "\"\xc3\xa9\xc3\xbf\""));
  EXPECT_FALSE(matches(grammar, "\"\xc3\xa9\""));
  EXPECT_FALSE(matches(grammar, "\"ab\""));
  // A class that allows '"' and controls takes them only as JSON escapes.
  auto any = string_grammar("^[^a]$");
  EXPECT_TRUE(matches(any, "\"\\\"\""));
  EXPECT_TRUE(matches(any, "\"\\u0001\""));
  EXPECT_TRUE(matches(any, "\"\\n\""));
  EXPECT_FALSE(matches(any, "\"\"\""));
  EXPECT_FALSE(matches(any, "\"a\""));
  EXPECT_TRUE(matches(any, "\"\xf0\x9f\x98\x80\""));
}

TEST(RegexGbnf, Refusals) {
  for (const char* pattern : {"(a)\\1", "(?=a)", "(?!a)", "(?<=a)b", "(?<!a)b", "a*?", "a+?", "a??", "a{2}?", "\\b",
                              "\\B", "a^", "$a", "(", ")", "[a", "[z-a]", "\\", "\\q", "\\x4", "\\u12", "(?i)a",
                              "a**", "[^\\d\\D]", "(|a)*", "\\k<n>"}) {
    GbnfWriter writer;
    Result<std::string> r = regex_to_gbnf(pattern, writer);
    EXPECT_FALSE(r.ok()) << pattern << " compiled to " << (r.ok() ? *r : "");
  }
  GbnfWriter writer;
  RegexLimits limits;
  limits.max_repeat = 100;
  EXPECT_FALSE(regex_to_gbnf("a{101}", writer, limits).ok());
  limits.max_pattern_bytes = 4;
  EXPECT_FALSE(regex_to_gbnf("abcde", writer, limits).ok());
  EXPECT_FALSE(regex_to_gbnf("\xff", writer).ok());
}

}  // namespace
}  // namespace herd::grammar
