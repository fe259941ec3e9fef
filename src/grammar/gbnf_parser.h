// GBNF, the grammar format llama.cpp users write (its grammars/README.md is the spec we follow):
//   rule-name ::= alternative ( "|" alternative )*      names: [a-zA-Z0-9-]+ ; "#" starts a comment
//   terms: "literal" with \n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH escapes, [a-z0-9_] and
//   [^...] classes over code points, "." (any code point), rule references, ( groups ),
//   postfix * + ? {m} {m,} {m,n} {,n}. A rule ends at a newline except inside ( ) and after "|";
//   escapes and raw characters both denote code points (UTF-8 in the byte grammar), so "\xff"
//   is U+00FF as in llama.cpp. Names may also contain "_". A rule defined twice is an error.
// Repetitions become helper rules (right-recursive, so no left recursion is introduced);
// code-point classes become UTF-8 byte sequences. Rules may be used before they are defined.
#pragma once

#include <string_view>

#include "base/status.h"
#include "grammar/grammar.h"

namespace herd::grammar {

struct GbnfLimits {
  size_t max_text_bytes = 1 << 20;   // a grammar is untrusted request input
  size_t max_rules = 20000;          // after expansion of repetitions and classes
  uint32_t max_repeat = 10000;       // the largest m or n in {m,n}
  size_t max_elements = 1 << 20;     // terms in all rules after expansion: x{10000} nested in
                                     // groups repeated again multiplies, so the total is bounded too
  size_t max_nesting = 256;          // depth of ( groups ): the parser recurses on them
};

// kInvalidArgument with "line L, column C: what" for the first error; an undefined rule,
// a missing `root` and left recursion are errors too.
Result<Grammar> parse_gbnf(std::string_view text, std::string_view root = "root",
                           const GbnfLimits& limits = GbnfLimits());

}  // namespace herd::grammar
