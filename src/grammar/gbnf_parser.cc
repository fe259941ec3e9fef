#include "grammar/gbnf_parser.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grammar/utf8_ranges.h"

namespace herd::grammar {
namespace {

constexpr size_t kUnbounded = size_t(-1);

// Thrown inside the parser only; parse_gbnf turns it into a Status.
struct ParseError {
  size_t offset;
  std::string message;
};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class GbnfParser {
 public:
  GbnfParser(std::string_view text, const GbnfLimits& limits) : text_(text), limits_(limits) {}

  Grammar parse(std::string_view root) {
    if (text_.size() > limits_.max_text_bytes) {
      fail(0, "the grammar is " + std::to_string(text_.size()) + " bytes, more than the limit of " +
                  std::to_string(limits_.max_text_bytes));
    }
    skip_space(true);
    while (pos_ < text_.size()) {
      parse_rule();
      skip_space(true);
    }
    check_defined();
    const auto it = names_.find(std::string(root));
    if (it == names_.end()) fail(0, "the grammar has no rule named '" + std::string(root) + "'");
    grammar_.root = it->second;
    const int32_t cyclic = left_recursive_rule(grammar_);
    if (cyclic >= 0) {
      fail(written_at_[size_t(cyclic)], "rule '" + grammar_.rules[size_t(cyclic)].name +
                                            "' is left-recursive (it can reach itself before matching any character)");
    }
    return std::move(grammar_);
  }

  [[noreturn]] void fail(size_t offset, std::string message) const { throw ParseError{offset, std::move(message)}; }

 private:
  void parse_rule() {
    const size_t start = pos_;
    const std::string name = parse_name("a rule name");
    skip_space(false);
    if (text_.substr(pos_, 3) != "::=") fail(pos_, "expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    skip_space(true);
    const int32_t id = rule_named(name, start);
    if (defined_[size_t(id)]) fail(start, "rule '" + name + "' is defined twice");
    defined_[size_t(id)] = true;
    written_at_[size_t(id)] = start;
    std::vector<Sequence> alternatives = parse_alternatives(name, false);
    grammar_.rules[size_t(id)].alternatives = std::move(alternatives);
    skip_space(false);
    if (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') {
      fail(pos_, "expected the end of the line after rule '" + name + "'");
    }
  }

  std::vector<Sequence> parse_alternatives(const std::string& rule_name, bool nested) {
    std::vector<Sequence> alternatives;
    alternatives.push_back(parse_sequence(rule_name, nested));
    while (pos_ < text_.size() && text_[pos_] == '|') {
      ++pos_;
      skip_space(true);
      alternatives.push_back(parse_sequence(rule_name, nested));
    }
    return alternatives;
  }

  Sequence parse_sequence(const std::string& rule_name, bool nested) {
    Sequence seq;
    while (pos_ < text_.size()) {
      const size_t start = pos_;
      std::optional<Sequence> term = parse_term(rule_name);
      if (!term) break;
      skip_space(nested);
      while (pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '+' || text_[pos_] == '?' || text_[pos_] == '{')) {
        term = parse_repetition(rule_name, start, std::move(*term));
        skip_space(nested);
      }
      count_elements(term->size(), start);
      seq.insert(seq.end(), term->begin(), term->end());
    }
    return seq;
  }

  // One term's elements, or nullopt when the next character starts none (end of a sequence).
  std::optional<Sequence> parse_term(const std::string& rule_name) {
    const size_t start = pos_;
    const char c = text_[pos_];
    if (c == '"') return parse_literal();
    if (c == '[') return Sequence{class_element(rule_name, start, parse_class())};
    if (c == '.') {
      ++pos_;
      return Sequence{class_element(rule_name, start, {{0, kMaxCodePoint}})};
    }
    if (is_name_char(c)) {
      const std::string name = parse_name("a rule name");
      return Sequence{rule_element(rule_named(name, start))};
    }
    if (c == '(') {
      if (++depth_ > limits_.max_nesting) {
        fail(start, "groups are nested deeper than the limit of " + std::to_string(limits_.max_nesting));
      }
      ++pos_;
      skip_space(true);
      std::vector<Sequence> alternatives = parse_alternatives(rule_name, true);
      skip_space(true);
      if (pos_ >= text_.size() || text_[pos_] != ')') fail(pos_, "expected ')' to close the group opened here");
      ++pos_;
      --depth_;
      if (alternatives.size() == 1) return std::move(alternatives[0]);
      return Sequence{rule_element(new_rule(rule_name, start, std::move(alternatives)))};
    }
    return std::nullopt;
  }

  Sequence parse_literal() {
    const size_t open = pos_++;
    Sequence seq;
    std::string bytes;
    while (true) {
      if (pos_ >= text_.size()) fail(open, "unterminated string literal");
      if (text_[pos_] == '"') break;
      bytes.clear();
      append_utf8(parse_char(), bytes);
      for (char b : bytes) seq.push_back(byte_element(uint8_t(b)));
    }
    ++pos_;
    return seq;
  }

  std::vector<CodePointRange> parse_class() {
    const size_t open = pos_++;
    const bool negated = pos_ < text_.size() && text_[pos_] == '^';
    if (negated) ++pos_;
    std::vector<CodePointRange> ranges;
    while (true) {
      if (pos_ >= text_.size()) fail(open, "unterminated character class");
      if (text_[pos_] == ']') break;
      const size_t at = pos_;
      const uint32_t lo = parse_char();
      uint32_t hi = lo;
      if (pos_ + 1 < text_.size() && text_[pos_] == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        hi = parse_char();
        if (hi < lo) fail(at, "character range is backwards (its end comes before its start)");
      }
      ranges.push_back({lo, hi});
    }
    ++pos_;
    if (ranges.empty() && !negated) fail(open, "empty character class");
    return negated ? complement_ranges(ranges) : ranges;
  }

  // One code point: an escape or a raw UTF-8 character.
  uint32_t parse_char() {
    const size_t at = pos_;
    const uint8_t c = uint8_t(text_[pos_]);
    if (c == '\\') {
      if (++pos_ >= text_.size()) fail(at, "unfinished escape");
      const char e = text_[pos_++];
      switch (e) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case '\\': case '"': case '[': case ']': return uint32_t(e);
        case 'x': return parse_hex(at, 2);
        case 'u': return parse_hex(at, 4);
        case 'U': return parse_hex(at, 8);
        default: fail(at, std::string("unknown escape '\\") + e + "'");
      }
    }
    if (c < 0x80) {
      ++pos_;
      return c;
    }
    const int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || c > 0xF4 || pos_ + size_t(n) > text_.size()) fail(at, "invalid UTF-8");
    uint32_t cp = c & (0x3F >> (n - 1));
    for (int k = 1; k < n; ++k) {
      const uint8_t b = uint8_t(text_[pos_ + size_t(k)]);
      if ((b & 0xC0) != 0x80) fail(at, "invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kSmallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[n]) fail(at, "invalid UTF-8 (overlong)");
    check_scalar(at, cp);
    pos_ += size_t(n);
    return cp;
  }

  uint32_t parse_hex(size_t at, int digits) {
    uint32_t cp = 0;
    for (int k = 0; k < digits; ++k) {
      const int v = pos_ < text_.size() ? hex_value(text_[pos_]) : -1;
      if (v < 0) fail(at, "escape needs " + std::to_string(digits) + " hex digits");
      cp = (cp << 4) | uint32_t(v);
      ++pos_;
    }
    check_scalar(at, cp);
    return cp;
  }

  void check_scalar(size_t at, uint32_t cp) const {
    if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) fail(at, "not a Unicode scalar value");
  }

  // A class as one byte-set element when every code point in it is one byte, else a rule whose
  // alternatives are its UTF-8 shapes (one rule per distinct class, however often it is used).
  Element class_element(const std::string& rule_name, size_t at, const std::vector<CodePointRange>& ranges) {
    const std::vector<CodePointRange> normal = normalize_ranges(ranges);
    std::vector<std::vector<ByteSet>> shapes = utf8_sequences(normal);
    if (shapes.empty()) fail(at, "character class matches no character");
    if (shapes.size() == 1 && shapes[0].size() == 1) return byte_element(shapes[0][0]);
    std::string key;
    for (const CodePointRange& r : normal) key += std::to_string(r.lo) + "-" + std::to_string(r.hi) + ",";
    const auto it = class_rules_.find(key);
    if (it != class_rules_.end()) return rule_element(it->second);
    std::vector<Sequence> alternatives;
    for (const auto& shape : shapes) {
      Sequence seq;
      for (const ByteSet& set : shape) seq.push_back(byte_element(set));
      count_elements(seq.size(), at);
      alternatives.push_back(std::move(seq));
    }
    const int32_t id = new_rule(rule_name, at, std::move(alternatives));
    class_rules_.emplace(std::move(key), id);
    return rule_element(id);
  }

  // Applies one postfix operator to `term`.
  Sequence parse_repetition(const std::string& rule_name, size_t at, Sequence term) {
    size_t min = 0, max = kUnbounded;
    const char op = text_[pos_++];
    if (op == '+') {
      min = 1;
    } else if (op == '?') {
      max = 1;
    } else if (op == '{') {
      skip_space(true);
      const std::optional<size_t> lo = parse_count();
      skip_space(true);
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        skip_space(true);
        const std::optional<size_t> hi = parse_count();
        if (!lo && !hi) fail(at, "repetition {,} needs a bound");
        min = lo.value_or(0);
        max = hi.value_or(kUnbounded);
      } else {
        if (!lo) fail(pos_, "expected a number in the repetition");
        min = max = *lo;
      }
      skip_space(true);
      if (pos_ >= text_.size() || text_[pos_] != '}') fail(pos_, "expected '}' to close the repetition");
      ++pos_;
      if (max < min) fail(at, "repetition maximum is below its minimum");
    }
    if (term.empty()) return term;  // "" repeated is still ""
    const Element item = term.size() == 1 ? term[0] : rule_element(new_rule(rule_name, at, {std::move(term)}));
    count_elements(min, at);
    Sequence out(min, item);
    if (max == kUnbounded) {
      // star ::= item star | (empty): right recursion, so the matcher's stack stays flat.
      const int32_t star = new_rule(rule_name, at, {});
      grammar_.rules[size_t(star)].alternatives = {{item, rule_element(star)}, {}};
      out.push_back(rule_element(star));
    } else if (max > min) {
      // x{0,k} as nested optionals opt_k ::= x opt_(k-1) | (empty): k rules, not k alternatives
      // of every length.
      int32_t inner = -1;
      for (size_t k = 0; k < max - min; ++k) {
        Sequence some{item};
        if (inner >= 0) some.push_back(rule_element(inner));
        inner = new_rule(rule_name, at, {std::move(some), {}});
      }
      out.push_back(rule_element(inner));
    }
    return out;
  }

  std::optional<size_t> parse_count() {
    const size_t at = pos_;
    size_t n = 0;
    bool any = false;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      n = n * 10 + size_t(text_[pos_++] - '0');
      any = true;
      if (n > limits_.max_repeat) fail(at, "repetition count is over the limit of " + std::to_string(limits_.max_repeat));
    }
    return any ? std::optional<size_t>(n) : std::nullopt;
  }

  std::string parse_name(const char* what) {
    const size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail(pos_, std::string("expected ") + what);
    return std::string(text_.substr(start, pos_ - start));
  }

  // The rule called `name`, made (undefined yet) at its first mention.
  int32_t rule_named(const std::string& name, size_t at) {
    const auto it = names_.find(name);
    if (it != names_.end()) return it->second;
    const int32_t id = new_rule(name, at, {});
    grammar_.rules[size_t(id)].name = name;
    names_.emplace(name, id);
    defined_[size_t(id)] = false;
    return id;
  }

  int32_t new_rule(const std::string& base, size_t at, std::vector<Sequence> alternatives) {
    if (grammar_.rules.size() >= limits_.max_rules) {
      fail(at, "the grammar needs more than " + std::to_string(limits_.max_rules) + " rules");
    }
    const int32_t id = int32_t(grammar_.rules.size());
    grammar_.rules.push_back({base + "_" + std::to_string(id), std::move(alternatives)});
    written_at_.push_back(at);
    defined_.push_back(true);  // helper rules are complete when made
    return id;
  }

  void count_elements(size_t n, size_t at) {
    n_elements_ += n;
    if (n_elements_ > limits_.max_elements) {
      fail(at, "the grammar expands to more than " + std::to_string(limits_.max_elements) + " terms");
    }
  }

  void check_defined() const {
    size_t first = kUnbounded;
    int32_t which = -1;
    for (size_t r = 0; r < grammar_.rules.size(); ++r) {
      if (!defined_[r] && written_at_[r] < first) {
        first = written_at_[r];
        which = int32_t(r);
      }
    }
    if (which >= 0) fail(first, "undefined rule '" + grammar_.rules[size_t(which)].name + "'");
  }

  // Spaces, tabs and comments; newlines too where a rule may continue on the next line.
  void skip_space(bool newlines) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || ((c == '\n' || c == '\r') && newlines)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  std::string_view text_;
  const GbnfLimits& limits_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  size_t n_elements_ = 0;
  Grammar grammar_;
  std::map<std::string, int32_t> names_;
  std::map<std::string, int32_t> class_rules_;
  std::vector<size_t> written_at_;  // per rule: where it was defined (or first used, or its term)
  std::vector<bool> defined_;
};

std::string position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<Grammar> parse_gbnf(std::string_view text, std::string_view root, const GbnfLimits& limits) {
  try {
    GbnfParser parser(text, limits);
    return parser.parse(root);
  } catch (const ParseError& e) {
    return invalid_argument(position(text, e.offset) + ": " + e.message);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory parsing the grammar");
  }
}

}  // namespace herd::grammar
