#include "grammar/regex_gbnf.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "grammar/json_value_gbnf.h"

namespace herd::grammar {
namespace {

const CodepointSet kDigit = {{'0', '9'}};
const CodepointSet kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
// ECMA-262 WhiteSpace and LineTerminator.
const CodepointSet kSpace = {{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                             {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
const CodepointSet kLineTerminator = {{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}};

// The JSON escape of a control character.
std::string control_escape(uint32_t cp) {
  switch (cp) {
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", unsigned(cp));
      return buf;
    }
  }
}

// GBNF for one character of `set` as it appears inside a JSON string.
std::string json_encoded_set(const CodepointSet& set) {
  std::vector<std::string> alts;
  CodepointSet raw = intersect(set, complement_ranges({{0x00, 0x1F}, {'"', '"'}, {'\\', '\\'}}));
  if (!raw.empty()) alts.push_back(gbnf_class(raw));
  if (contains(set, '"')) alts.push_back(gbnf_literal("\\\""));
  if (contains(set, '\\')) alts.push_back(gbnf_literal("\\\\"));
  CodepointSet controls = intersect(set, {{0x00, 0x1F}});
  if (controls.size() == 1 && controls[0].lo == 0 && controls[0].hi == 0x1F) {
    alts.push_back("\"\\\\\" ([bfnrt] | \"u00\" [01] [0-9a-fA-F])");
  } else {
    for (const CodePointRange& r : controls) {
      for (uint32_t cp = r.lo; cp <= r.hi; ++cp) alts.push_back(gbnf_literal(control_escape(cp)));
    }
  }
  return alts.size() == 1 ? alts[0] : gbnf_group(alts);
}

int hex_value(char32_t c) {
  if (c >= '0' && c <= '9') return int(c - '0');
  if (c >= 'a' && c <= 'f') return int(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return int(c - 'A' + 10);
  return -1;
}

// A parsed piece: a set of characters (one character long) or a GBNF expression.
struct Atom {
  bool is_set = false;
  CodepointSet set;
  std::string expr;       // "" matches the empty string
  bool nullable = false;  // expr can match the empty string
};

// A GBNF expression and whether it can match the empty string.
struct Piece {
  std::string expr;
  bool nullable = false;
};

class RegexCompiler {
 public:
  RegexCompiler(std::u32string pattern, GbnfWriter& w, const RegexLimits& limits)
      : p_(std::move(pattern)), w_(w), limits_(limits) {}

  Result<std::string> compile() {
    HERD_ASSIGN_OR_RETURN(Piece whole, alternation(/*top=*/true));
    if (pos_ < p_.size()) return error("unmatched ')'");
    return whole.expr;
  }

 private:
  Status error(const std::string& what) const {
    return invalid_argument("pattern: " + what + " at offset " + std::to_string(pos_));
  }
  bool at(char32_t c) const { return pos_ < p_.size() && p_[pos_] == c; }
  bool at_end_of_alternative() const { return pos_ >= p_.size() || p_[pos_] == '|' || p_[pos_] == ')'; }

  std::string set_expr(const CodepointSet& set) { return w_.add("re-char", json_encoded_set(set)); }

  Result<Piece> alternation(bool top) {
    std::vector<std::string> alts;
    bool nullable = false;
    while (true) {
      HERD_ASSIGN_OR_RETURN(Piece seq, sequence(top));
      nullable = nullable || seq.nullable;
      if (!seq.expr.empty()) alts.push_back(seq.expr);
      if (!at('|')) break;
      ++pos_;
    }
    if (alts.empty()) return Piece{"", true};
    std::string out = gbnf_group(alts);
    // An empty alternative becomes '?' (GBNF has no empty alternative to write).
    return Piece{nullable ? out + "?" : out, nullable};
  }

  // One alternative; at the top level it takes the anchors and adds the free prefix and suffix.
  Result<Piece> sequence(bool top) {
    std::string out;
    bool nullable = true;
    bool anchored_start = false;
    bool anchored_end = false;
    if (top && at('^')) {
      anchored_start = true;
      ++pos_;
    }
    while (!at_end_of_alternative()) {
      if (at('^')) return error("'^' is supported only at the start of the pattern or of a top-level alternative");
      if (at('$')) {
        ++pos_;
        if (!top || !at_end_of_alternative()) return error("'$' is supported only at the end of the pattern or of a top-level alternative");
        anchored_end = true;
        break;
      }
      HERD_ASSIGN_OR_RETURN(Atom a, atom());
      HERD_ASSIGN_OR_RETURN(Piece piece, quantified(std::move(a)));
      nullable = nullable && piece.nullable;
      if (!piece.expr.empty()) out += (out.empty() ? "" : " ") + piece.expr;
    }
    if (top) {
      std::string any = json_char_rule(w_) + "*";
      if (!anchored_start) out = out.empty() ? any : any + " " + out;
      if (!anchored_end && !(out == any)) out = out.empty() ? any : out + " " + any;
    }
    return Piece{out, nullable};
  }

  Result<Atom> atom() {
    char32_t c = p_[pos_];
    Atom a;
    if (c == '(') {
      if (++depth_ > limits_.max_depth) return error("groups nested too deep");
      ++pos_;
      if (at('?')) {
        ++pos_;
        if (at(':')) {
          ++pos_;
        } else if (at('=') || at('!')) {
          return error("lookahead is not supported");
        } else if (at('<') && pos_ + 1 < p_.size() && (p_[pos_ + 1] == '=' || p_[pos_ + 1] == '!')) {
          return error("lookbehind is not supported");
        } else if (at('<')) {
          while (pos_ < p_.size() && p_[pos_] != '>') ++pos_;  // a named group: the name does not matter
          if (!at('>')) return error("unterminated group name");
          ++pos_;
        } else {
          return error("unsupported group '(?'");
        }
      }
      HERD_ASSIGN_OR_RETURN(Piece inner, alternation(/*top=*/false));
      if (!at(')')) return error("missing ')'");
      ++pos_;
      --depth_;
      a.expr = inner.expr;
      a.nullable = inner.nullable;
      return a;
    }
    if (c == ')') return error("unmatched ')'");
    if (c == '*' || c == '+' || c == '?') return error("nothing to repeat");
    if (c == '{' && quantifier_follows()) return error("nothing to repeat");
    a.is_set = true;
    if (c == '[') {
      ++pos_;
      HERD_ASSIGN_OR_RETURN(a.set, char_class());
      return a;
    }
    if (c == '.') {
      ++pos_;
      a.set = complement_ranges(kLineTerminator);
      return a;
    }
    if (c == '\\') {
      ++pos_;
      HERD_ASSIGN_OR_RETURN(a.set, escape(/*in_class=*/false));
      return a;
    }
    ++pos_;
    a.set = {{uint32_t(c), uint32_t(c)}};
    return a;
  }

  // After a backslash: the set it stands for.
  Result<CodepointSet> escape(bool in_class) {
    if (pos_ >= p_.size()) return error("pattern ends with '\\'");
    char32_t c = p_[pos_++];
    auto one = [](uint32_t cp) { return CodepointSet{{cp, cp}}; };
    switch (c) {
      case 'd': return kDigit;
      case 'D': return complement_ranges(kDigit);
      case 'w': return kWord;
      case 'W': return complement_ranges(kWord);
      case 's': return kSpace;
      case 'S': return complement_ranges(kSpace);
      case 't': return one('\t');
      case 'n': return one('\n');
      case 'r': return one('\r');
      case 'v': return one('\v');
      case 'f': return one('\f');
      case 'b':
        if (in_class) return one('\b');
        return error("word boundaries (\\b) are not supported");
      case 'B': return error("word boundaries (\\B) are not supported");
      case 'k': return error("backreferences are not supported");
      case 'c': {
        if (pos_ >= p_.size() || !((p_[pos_] >= 'a' && p_[pos_] <= 'z') || (p_[pos_] >= 'A' && p_[pos_] <= 'Z'))) {
          return error("'\\c' needs a letter");
        }
        return one(uint32_t(p_[pos_++]) % 32);
      }
      case 'x':
      case 'u': {
        size_t n = c == 'x' ? 2 : 4;
        uint32_t cp = 0;
        for (size_t i = 0; i < n; ++i) {
          int h = pos_ < p_.size() ? hex_value(p_[pos_]) : -1;
          if (h < 0) return error(std::string("'\\") + char(c) + "' needs " + std::to_string(n) + " hex digits");
          cp = cp * 16 + uint32_t(h);
          ++pos_;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) return error("surrogate code points are not supported");
        return one(cp);
      }
      default: break;
    }
    if (c == '0' && !(pos_ < p_.size() && p_[pos_] >= '0' && p_[pos_] <= '9')) return one(0);
    if (c >= '0' && c <= '9') return error("backreferences are not supported");
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return error(std::string("unknown escape '\\") + char(c) + "'");
    return one(uint32_t(c));  // escaped punctuation or any other character stands for itself
  }

  Result<CodepointSet> char_class() {
    bool negate = at('^');
    if (negate) ++pos_;
    CodepointSet set;
    while (!at(']')) {
      if (pos_ >= p_.size()) return error("missing ']'");
      HERD_ASSIGN_OR_RETURN(CodepointSet first, class_atom());
      if (at('-') && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') {
        ++pos_;
        HERD_ASSIGN_OR_RETURN(CodepointSet last, class_atom());
        bool single = first.size() == 1 && first[0].lo == first[0].hi && last.size() == 1 && last[0].lo == last[0].hi;
        if (single) {
          if (first[0].lo > last[0].lo) return error("class range out of order");
          set.push_back({first[0].lo, last[0].lo});
        } else {  // [\d-x]: '-' is a literal next to a class escape
          set.insert(set.end(), first.begin(), first.end());
          set.insert(set.end(), last.begin(), last.end());
          set.push_back({'-', '-'});
        }
      } else {
        set.insert(set.end(), first.begin(), first.end());
      }
    }
    ++pos_;
    set = negate ? complement_ranges(set) : normalize_ranges(set);
    if (set.empty()) return error("a character class that matches nothing");
    return set;
  }

  Result<CodepointSet> class_atom() {
    char32_t c = p_[pos_++];
    if (c == '\\') return escape(/*in_class=*/true);
    return CodepointSet{{uint32_t(c), uint32_t(c)}};
  }

  // Whether a {m}, {m,} or {m,n} quantifier starts here (otherwise '{' is a literal).
  bool quantifier_follows() const {
    size_t i = pos_ + 1;
    size_t digits = 0;
    while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i, ++digits;
    if (digits == 0) return false;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i;
    }
    return i < p_.size() && p_[i] == '}';
  }

  Result<uint32_t> number() {
    uint64_t v = 0;
    while (pos_ < p_.size() && p_[pos_] >= '0' && p_[pos_] <= '9') {
      v = v * 10 + uint64_t(p_[pos_++] - '0');
      if (v > limits_.max_repeat) return error("repetition count over " + std::to_string(limits_.max_repeat));
    }
    return uint32_t(v);
  }

  Result<Piece> quantified(Atom a) {
    std::string expr = a.is_set ? set_expr(a.set) : a.expr;
    uint32_t min = 1;
    uint32_t max = 1;
    bool unbounded = false;
    if (at('*') || at('+') || at('?')) {
      char q = char(p_[pos_++]);
      min = q == '+' ? 1 : 0;
      unbounded = q != '?';
    } else if (at('{') && quantifier_follows()) {
      ++pos_;
      HERD_ASSIGN_OR_RETURN(min, number());
      max = min;
      if (at(',')) {
        ++pos_;
        unbounded = at('}');
        if (!unbounded) {
          HERD_ASSIGN_OR_RETURN(max, number());
          if (max < min) return error("repetition {m,n} with n < m");
        }
      }
      ++pos_;  // '}'
    } else {
      return Piece{expr, a.nullable};
    }
    if (at('?')) return error("lazy quantifiers are not supported");
    if (at('*') || at('+') || (at('{') && quantifier_follows())) return error("nothing to repeat");
    // Repeating without end what can be empty would make a rule that reaches itself without
    // reading a byte.
    if (a.nullable && unbounded && !expr.empty()) return error("an unbounded repetition of something that can be empty");
    bool nullable = a.nullable || min == 0;
    if (expr.empty() || (!unbounded && max == 0)) return Piece{"", true};
    std::string suffix;
    if (unbounded) {
      suffix = min == 0 ? "*" : min == 1 ? "+" : "{" + std::to_string(min) + ",}";
    } else if (min == 0 && max == 1) {
      suffix = "?";
    } else if (min != 1 || max != 1) {
      suffix = "{" + std::to_string(min) + (min == max ? "" : "," + std::to_string(max)) + "}";
    }
    if (a.is_set || suffix.empty()) return Piece{expr + suffix, nullable};  // a rule name, or no repetition
    return Piece{"(" + expr + ")" + suffix, nullable};
  }

  std::u32string p_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  GbnfWriter& w_;
  const RegexLimits& limits_;
};

}  // namespace

Result<std::string> regex_to_gbnf(std::string_view pattern, GbnfWriter& writer, const RegexLimits& limits) {
  if (pattern.size() > limits.max_pattern_bytes) {
    return invalid_argument("pattern longer than " + std::to_string(limits.max_pattern_bytes) + " bytes");
  }
  std::u32string cps;
  if (!utf8_decode(pattern, cps)) return invalid_argument("pattern is not valid UTF-8");
  RegexCompiler compiler(std::move(cps), writer, limits);
  return compiler.compile();
}

}  // namespace herd::grammar
