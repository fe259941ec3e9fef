// JSON schema "pattern" (ECMA-262 regular expressions, the subset schemas use) compiled to GBNF
// for the contents of a JSON string: the decoded text must match, so '"', '\' and control
// characters the regex allows appear as their JSON escapes.
//
// Supported: literals; escapes \d \D \w \W \s \S \t \n \r \v \f \0 \xHH \uHHHH \cX and escaped
// punctuation; classes [...] and [^...] with ranges; '.'; groups (...), (?:...), (?<name>...);
// alternation |; quantifiers * + ? {m} {m,} {m,n}; anchors ^ at the start and $ at the end of
// a top-level alternative. A pattern matches anywhere in the string (JSON schema semantics), so
// an alternative without ^ may be preceded by any characters and one without $ followed by any.
// Refused (kInvalidArgument naming the construct): backreferences, lookahead and lookbehind,
// lazy quantifiers, \b \B, anchors elsewhere, and classes that match nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "grammar/gbnf_writer.h"

namespace herd::grammar {

struct RegexLimits {
  size_t max_pattern_bytes = 4096;  // patterns come from requests
  uint32_t max_repeat = 10000;      // the largest m or n in {m,n}
  size_t max_depth = 32;            // group nesting
};

// A GBNF expression (it may use rules it adds to `writer`) for the contents of the strings whose
// decoded text matches `pattern`.
Result<std::string> regex_to_gbnf(std::string_view pattern, GbnfWriter& writer, const RegexLimits& limits = RegexLimits());

}  // namespace herd::grammar
