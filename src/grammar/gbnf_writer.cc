#include "grammar/gbnf_writer.h"

#include <algorithm>
#include <cstdio>

namespace herd::grammar {
namespace {

constexpr size_t kMaxNameHint = 40;

// A code point inside a class: printable ASCII as itself unless it means something there,
// everything else as an escape the GBNF parser reads as that code point.
std::string class_char(uint32_t cp) {
  char buf[16];
  if (cp >= 0x20 && cp < 0x7F && cp != '[' && cp != ']' && cp != '\\' && cp != '-' && cp != '^' && cp != '"') {
    return std::string(1, char(cp));
  }
  if (cp < 0x80) {  // \x above 0x7F could be read as a byte, not a code point
    std::snprintf(buf, sizeof(buf), "\\x%02X", unsigned(cp));
  } else if (cp <= 0xFFFF) {
    std::snprintf(buf, sizeof(buf), "\\u%04X", unsigned(cp));
  } else {
    std::snprintf(buf, sizeof(buf), "\\U%08X", unsigned(cp));
  }
  return buf;
}

}  // namespace

CodepointSet intersect(const CodepointSet& a, const CodepointSet& b) {
  CodepointSet na = normalize_ranges(a);
  CodepointSet nb = normalize_ranges(b);
  CodepointSet out;
  size_t i = 0, j = 0;
  while (i < na.size() && j < nb.size()) {
    uint32_t lo = std::max(na[i].lo, nb[j].lo);
    uint32_t hi = std::min(na[i].hi, nb[j].hi);
    if (lo <= hi) out.push_back({lo, hi});
    if (na[i].hi < nb[j].hi) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

bool contains(const CodepointSet& set, uint32_t cp) {
  return std::any_of(set.begin(), set.end(), [cp](const CodePointRange& r) { return cp >= r.lo && cp <= r.hi; });
}

std::string gbnf_literal(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", unsigned(u));
      out += buf;
    } else {
      out += c;  // printable ASCII, or a byte of a UTF-8 sequence
    }
  }
  out += '"';
  return out;
}

std::string gbnf_class(const CodepointSet& set) {
  std::string out = "[";
  for (const CodePointRange& r : normalize_ranges(set)) {
    out += class_char(r.lo);
    if (r.hi != r.lo) {
      if (r.hi != r.lo + 1) out += '-';
      out += class_char(r.hi);
    }
  }
  out += ']';
  return out;
}

std::string gbnf_alternatives(const std::vector<std::string>& alts) {
  std::string out;
  for (const std::string& a : alts) {
    if (!out.empty()) out += " | ";
    out += a;
  }
  return out;
}

std::string gbnf_group(const std::vector<std::string>& alts) { return "(" + gbnf_alternatives(alts) + ")"; }

bool utf8_decode(std::string_view in, std::u32string& out) {
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    size_t n = 0;
    uint32_t cp = c;
    if (c >= 0x80) {
      if ((c >> 5) == 6) {
        n = 1, cp = c & 0x1F;
      } else if ((c >> 4) == 14) {
        n = 2, cp = c & 0x0F;
      } else if ((c >> 3) == 30) {
        n = 3, cp = c & 0x07;
      } else {
        return false;
      }
    }
    if (n > 0 && i + n >= in.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(in[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(cp);
    i += n + 1;
  }
  return true;
}

GbnfWriter::GbnfWriter(std::string prefix) : prefix_(std::move(prefix)) { taken_.insert("root"); }

std::string GbnfWriter::fresh_name(std::string_view hint) {
  std::string base = prefix_;
  for (char c : hint.substr(0, kMaxNameHint)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    base += ok ? c : '-';
  }
  if (base.size() == prefix_.size()) base += "r";
  // Probing resumes where the last name from this base stopped: a schema with thousands of
  // same-named parts must not try every taken suffix again for each (that was quadratic).
  size_t& n = next_suffix_[base];
  std::string name = n == 0 ? base : base + "-" + std::to_string(n);
  while (taken_.count(name) != 0) name = base + "-" + std::to_string(++n);
  ++n;
  taken_.insert(name);
  return name;
}

std::string GbnfWriter::add(std::string_view hint, const std::string& body) {
  auto it = by_body_.find(body);
  if (it != by_body_.end()) return it->second;
  std::string name = fresh_name(hint);
  define(name, body);
  by_body_.emplace(body, name);
  return name;
}

void GbnfWriter::define(const std::string& name, std::string body) {
  taken_.insert(name);
  auto it = index_.find(name);
  if (it != index_.end()) {  // a placeholder gets its body
    std::string& old = rules_[it->second].second;
    n_bytes_ = n_bytes_ - old.size() + body.size();
    old = std::move(body);
    return;
  }
  n_bytes_ += name.size() + body.size() + 6;
  index_[name] = rules_.size();
  rules_.emplace_back(name, std::move(body));
}

std::string GbnfWriter::text() const {
  std::string out;
  out.reserve(n_bytes_);
  auto root = index_.find("root");
  auto emit = [&out](const std::pair<std::string, std::string>& rule) {
    out += rule.first;
    out += " ::= ";
    out += rule.second;
    out += '\n';
  };
  if (root != index_.end()) emit(rules_[root->second]);
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (root == index_.end() || i != root->second) emit(rules_[i]);
  }
  return out;
}

}  // namespace herd::grammar
