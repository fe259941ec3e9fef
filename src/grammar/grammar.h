// A context-free grammar over bytes: what GBNF text and JSON schemas compile to, and what
// GrammarMatcher runs. Terminals are byte sets, not code points: a character class over code
// points (GBNF's [^"\\], '.', \u escapes) is expanded into UTF-8 byte sequences when the grammar
// is built (utf8_ranges.h), so the matcher only ever compares one byte with a 256-bit set, and a
// token that ends inside a multi-byte character needs no special case.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace herd::grammar {

using ByteSet = std::bitset<256>;

struct Element {
  enum class Kind : uint8_t { kBytes, kRule };
  Kind kind = Kind::kBytes;
  ByteSet bytes;     // kBytes: the next byte must be one of these
  int32_t rule = 0;  // kRule: an index into Grammar::rules
};

inline Element byte_element(const ByteSet& bytes) {
  Element e;
  e.bytes = bytes;
  return e;
}
inline Element byte_element(uint8_t byte) { return byte_element(ByteSet().set(byte)); }
inline Element rule_element(int32_t rule) {
  Element e;
  e.kind = Element::Kind::kRule;
  e.rule = rule;
  return e;
}

using Sequence = std::vector<Element>;  // elements in order; empty: matches nothing (epsilon)

struct Rule {
  std::string name;                   // for messages; generated helper rules get "name_3"-style names
  std::vector<Sequence> alternatives;  // at least one
};

struct Grammar {
  std::vector<Rule> rules;
  int32_t root = 0;
};

// Checks what GrammarMatcher relies on: every rule has an alternative and every reference a
// rule; no rule can reach itself again before consuming a byte (left recursion, direct or
// through nullable prefixes), which would make expansion endless. kInvalidArgument names the
// rule.
Status validate(const Grammar& grammar);

// A rule on a left-recursive cycle, or -1 (validate()'s check, for callers that want to point at
// where the rule was written). Call only on a grammar whose references are in range.
int32_t left_recursive_rule(const Grammar& grammar);

}  // namespace herd::grammar
