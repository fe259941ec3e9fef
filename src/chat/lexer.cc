#include "chat/lexer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "chat/unicode.h"
#include "chat/value.h"

namespace herd::chat {
namespace {

// Byte length of the whitespace character starting at s[pos], or 0.
size_t space_at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return uni_is_space(b) ? 1 : 0;
  size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
  if (pos + len > s.size()) return 0;
  const std::u32string cps = utf8_decode(s.substr(pos, len));
  return (cps.size() == 1 && uni_is_space(cps[0])) ? len : 0;
}

// Python's str.rstrip() on UTF-8.
void rstrip_py(std::string& s) {
  while (!s.empty()) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && s.size() - start < 4) --start;
    if (space_at(s, start) != s.size() - start) break;
    s.resize(start);
  }
}

class Lexer {
 public:
  Lexer(std::string_view src, const LexOptions& o) : opt_(o) {
    // Jinja2 splits the source on \r\n, \r and \n, drops one trailing empty line
    // unless keep_trailing_newline, and joins with \n.
    src_.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\r') {
        src_ += '\n';
        if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
      } else {
        src_ += src[i];
      }
    }
    if (!opt_.keep_trailing_newline && !src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t open = pos;
      while (true) {
        open = src_.find('{', open);
        if (open == std::string::npos || open + 1 >= src_.size()) {
          open = std::string::npos;
          break;
        }
        const char c = src_[open + 1];
        if (c == '{' || c == '%' || c == '#') break;
        ++open;
      }
      if (open == std::string::npos) {
        emit_text(src_.substr(pos), pos);
        break;
      }
      const char kind = src_[open + 1];
      const char mod = open + 2 < src_.size() ? src_[open + 2] : '\0';
      std::string text = src_.substr(pos, open - pos);
      if (mod == '-') {
        rstrip_py(text);
      } else if (mod != '+' && opt_.lstrip_blocks && kind != '{') {
        lstrip_line(text, pos);
      }
      emit_text(std::move(text), pos);
      const size_t body = open + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
      if (kind == '#') {
        pos = lex_comment(open, body);
      } else if (kind == '%' && is_raw(body)) {
        pos = lex_raw(open, body);
      } else {
        pos = lex_tag(open, body, kind == '%');
      }
    }
    Token eof;
    eof.type = TokType::kEof;
    locate(src_.size(), &eof);
    toks_.push_back(eof);
    return std::move(toks_);
  }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& msg) {
    TemplateException e{TemplateException::Type::kSyntax, msg};
    Token t;
    locate(pos, &t);
    e.line = t.line;
    e.column = t.column;
    throw e;
  }

  void locate(size_t pos, Token* t) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());
    t->line = static_cast<int>(line);
    t->column = static_cast<int>(pos - line_starts_[line - 1] + 1);
  }

  void emit_text(std::string text, size_t pos) {
    if (text.empty()) return;
    Token t;
    t.type = TokType::kText;
    t.text = std::move(text);
    locate(pos, &t);
    toks_.push_back(std::move(t));
  }

  // lstrip_blocks: drop spaces and tabs between the start of the line and the tag.
  void lstrip_line(std::string& text, size_t text_pos) const {
    const size_t nl = text.rfind('\n');
    const size_t from = nl == std::string::npos ? 0 : nl + 1;
    if (nl == std::string::npos && !(text_pos == 0 || src_[text_pos - 1] == '\n')) return;
    size_t p = from;
    while (p < text.size()) {
      const size_t n = space_at(text, p);
      if (n == 0) return;
      p += n;
    }
    text.resize(from);
  }

  size_t skip_after_tag(size_t pos, char mod) const {
    if (mod == '-') {
      while (size_t n = space_at(src_, pos)) pos += n;
    } else if (mod != '+' && opt_.trim_blocks && pos < src_.size() && src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  size_t lex_comment(size_t open, size_t body) {
    const size_t end = src_.find("#}", body);
    if (end == std::string::npos) fail(open, "missing end of comment tag");
    const char mod = end > body && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : '\0';
    return skip_after_tag(end + 2, mod);
  }

  // `{% raw %}` with optional markers.
  bool is_raw(size_t p) const {
    while (size_t n = space_at(src_, p)) p += n;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    while (size_t n = space_at(src_, p)) p += n;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    return src_.compare(p, 2, "%}") == 0;
  }

  size_t lex_raw(size_t open, size_t body) {
    size_t p = src_.find("%}", body);
    const char mod = src_[p - 1] == '-' || src_[p - 1] == '+' ? src_[p - 1] : '\0';
    const size_t start = skip_after_tag(p + 2, mod);
    // Find {% [-+] endraw [-+] %}.
    size_t search = start;
    while (true) {
      const size_t tag = src_.find("{%", search);
      if (tag == std::string::npos) fail(open, "missing end of raw directive");
      size_t q = tag + 2;
      const char open_mod = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : '\0';
      if (open_mod) ++q;
      while (size_t n = space_at(src_, q)) q += n;
      if (src_.compare(q, 6, "endraw") != 0) {
        search = tag + 2;
        continue;
      }
      q += 6;
      while (size_t n = space_at(src_, q)) q += n;
      char close_mod = '\0';
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) close_mod = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) {
        search = tag + 2;
        continue;
      }
      std::string text = src_.substr(start, tag - start);
      if (open_mod == '-') {
        rstrip_py(text);
      } else if (open_mod != '+' && opt_.lstrip_blocks) {
        lstrip_line(text, start);
      }
      emit_text(std::move(text), start);
      return skip_after_tag(q + 2, close_mod);
    }
  }

  size_t lex_tag(size_t open, size_t p, bool block) {
    Token begin;
    begin.type = block ? TokType::kBlockBegin : TokType::kVarBegin;
    locate(open, &begin);
    toks_.push_back(begin);
    const char close = block ? '%' : '}';
    int depth = 0;
    while (true) {
      while (p < src_.size() && (src_[p] == ' ' || src_[p] == '\t' || src_[p] == '\n')) ++p;
      if (p >= src_.size()) fail(open, block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'");
      if (depth == 0) {
        char mod = '\0';
        size_t q = p;
        if (src_[q] == '-' || (block && src_[q] == '+')) mod = src_[q++];
        if (q + 1 < src_.size() && src_[q] == close && src_[q + 1] == '}') {
          Token end;
          end.type = block ? TokType::kBlockEnd : TokType::kVarEnd;
          locate(p, &end);
          toks_.push_back(end);
          if (!block && mod != '-') return q + 2;
          return skip_after_tag(q + 2, mod);
        }
      }
      Token t;
      locate(p, &t);
      const char c = src_[p];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t q = p;
        while (q < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) ++q;
        t.type = TokType::kName;
        t.text = src_.substr(p, q - p);
        p = q;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        p = lex_number(p, &t);
      } else if (c == '\'' || c == '"') {
        p = lex_string(p, &t);
      } else {
        static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[",
                                           "]",  "(",  ")",  "{",  "}",  "<",  ">", "=", ".", ":", "|", ",", ";"};
        const char* found = nullptr;
        for (const char* op : kOps) {
          if (src_.compare(p, std::char_traits<char>::length(op), op) == 0) {
            found = op;
            break;
          }
        }
        if (!found) fail(p, std::string("unexpected char '") + c + "'");
        t.type = TokType::kOp;
        t.text = found;
        p += t.text.size();
        if (t.text == "(" || t.text == "[" || t.text == "{") ++depth;
        if (t.text == ")" || t.text == "]" || t.text == "}") {
          if (depth == 0) fail(p - 1, "unexpected '" + t.text + "'");
          --depth;
        }
      }
      toks_.push_back(std::move(t));
    }
  }

  size_t lex_number(size_t p, Token* t) {
    auto digits = [&](size_t q) {
      while (q < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[q])) ||
                                 (src_[q] == '_' && q + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q + 1])))))
        ++q;
      return q;
    };
    const bool after_dot = !toks_.empty() && toks_.back().type == TokType::kOp && toks_.back().text == ".";
    size_t q = digits(p);
    bool is_float = false;
    if (!after_dot && q + 1 < src_.size() && src_[q] == '.' && std::isdigit(static_cast<unsigned char>(src_[q + 1]))) {
      q = digits(q + 1);
      is_float = true;
    }
    if (!after_dot && q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
      size_t r = q + 1;
      if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
      if (r < src_.size() && std::isdigit(static_cast<unsigned char>(src_[r]))) {
        q = digits(r);
        is_float = true;
      }
    }
    std::string text;
    for (size_t i = p; i < q; ++i)
      if (src_[i] != '_') text += src_[i];
    if (is_float) {
      t->type = TokType::kFloat;
      t->float_value = std::strtod(text.c_str(), nullptr);
    } else {
      t->type = TokType::kInt;
      errno = 0;
      t->int_value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) fail(p, "integer literal too large");
    }
    t->text = std::move(text);
    return q;
  }

  size_t lex_string(size_t p, Token* t) {
    const char quote = src_[p];
    std::string out;
    size_t q = p + 1;
    while (true) {
      if (q >= src_.size()) fail(p, "unterminated string");
      const char c = src_[q];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++q;
        continue;
      }
      if (q + 1 >= src_.size()) fail(p, "unterminated string");
      const char e = src_[q + 1];
      q += 2;
      auto hex = [&](int n) {
        if (q + n > src_.size()) fail(p, "truncated \\x/\\u escape in string");
        uint32_t v = 0;
        for (int i = 0; i < n; ++i) {
          const char h = src_[q + i];
          if (!std::isxdigit(static_cast<unsigned char>(h))) fail(p, "truncated \\x/\\u escape in string");
          v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
        }
        q += n;
        if (v > 0x10FFFF) fail(p, "illegal Unicode character in string");
        utf8_append(out, v);
      };
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': hex(2); break;
        case 'u': hex(4); break;
        case 'U': hex(8); break;
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2 && q < src_.size() && src_[q] >= '0' && src_[q] <= '7'; ++i)
              v = v * 8 + static_cast<uint32_t>(src_[q++] - '0');
            utf8_append(out, v);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    t->type = TokType::kString;
    t->text = std::move(out);
    return q + 1;
  }

  LexOptions opt_;
  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> toks_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options) {
  return Lexer(source, options).run();
}

}  // namespace herd::chat
