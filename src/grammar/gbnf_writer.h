// Builds GBNF text rule by rule for the compilers that generate grammars (JSON schema, regex
// patterns): unique rule names from hints, one rule for identical bodies (a sub-schema used in
// many places compiles once), and the quoting of literals and code-point classes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "grammar/utf8_ranges.h"

namespace herd::grammar {

// Sets of code points as sorted, disjoint ranges (utf8_ranges.h: normalize_ranges and
// complement_ranges, which also drop surrogates).
using CodepointSet = std::vector<CodePointRange>;

// The code points in both.
CodepointSet intersect(const CodepointSet& a, const CodepointSet& b);
bool contains(const CodepointSet& set, uint32_t cp);

// A GBNF string literal for these bytes (UTF-8 passes through; quotes, backslashes and control
// bytes are escaped).
std::string gbnf_literal(std::string_view bytes);
// A GBNF character class "[...]" for a non-empty set.
std::string gbnf_class(const CodepointSet& set);
// "a | b | c": the alternatives of a rule body or, in parentheses, of a group.
std::string gbnf_alternatives(const std::vector<std::string>& alts);
std::string gbnf_group(const std::vector<std::string>& alts);  // "(a | b | c)"
// The code points of UTF-8 text; false on a malformed sequence.
bool utf8_decode(std::string_view in, std::u32string& out);

class GbnfWriter {
 public:
  // Every name the writer makes starts with `prefix` ("" for a grammar of its own), so rules
  // for a schema can sit in a grammar with the caller's rules.
  explicit GbnfWriter(std::string prefix = "");

  // A fixed name ("ws", "value"...) with the prefix.
  std::string fixed(std::string_view name) const { return prefix_ + std::string(name); }

  // A name no rule has: the hint with characters outside [a-zA-Z0-9-] turned into '-',
  // clipped, and "-N" appended where taken.
  std::string fresh_name(std::string_view hint);
  // A rule with this body: an existing one with the same body, else a new one named from hint.
  std::string add(std::string_view hint, const std::string& body);
  // Defines a rule under a name from fresh_name (or a fixed one such as "root" or "ws"); a name
  // defined before (a placeholder, so that rules may refer to it) gets this body instead.
  void define(const std::string& name, std::string body);
  // Keeps a fixed name (one define() will use later) away from fresh_name.
  void reserve(const std::string& name) { taken_.insert(name); }
  bool defined(const std::string& name) const { return index_.count(name) != 0; }

  size_t n_rules() const { return rules_.size(); }
  size_t n_bytes() const { return n_bytes_; }
  // "root" first (when defined), then the rules in the order they were defined.
  std::string text() const;

 private:
  std::string prefix_;
  std::vector<std::pair<std::string, std::string>> rules_;  // name, body
  std::unordered_map<std::string, size_t> index_;           // name -> position in rules_
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, size_t> next_suffix_;  // per name base: the next suffix to try
  std::unordered_map<std::string, std::string> by_body_;    // body -> name (rules from add())
  size_t n_bytes_ = 0;
};

}  // namespace herd::grammar
