#include "chat/py_string.h"

#include <algorithm>

#include "chat/unicode.h"
#include "chat/value.h"

namespace herd::chat {

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, StripSide side) {
  const std::u32string cps = utf8_decode(s);
  const std::u32string set = chars ? utf8_decode(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : uni_is_space(c); };
  size_t b = 0, e = cps.size();
  if (side != StripSide::kRight)
    while (b < e && strip_it(cps[b])) ++b;
  if (side != StripSide::kLeft)
    while (e > b && strip_it(cps[e - 1])) --e;
  return utf8_encode(std::u32string_view(cps).substr(b, e - b));
}

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) throw_runtime("empty separator");
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t p = s.find(*sep, start);
      if (p == std::string_view::npos) break;
      out.emplace_back(s.substr(start, p - start));
      start = p + sep->size();
    }
    out.emplace_back(s.substr(start));
    return out;
  }
  const std::u32string cps = utf8_decode(s);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && uni_is_space(cps[i])) ++i;
    if (i >= cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      size_t e = cps.size();
      while (e > i && uni_is_space(cps[e - 1])) --e;
      out.push_back(utf8_encode(std::u32string_view(cps).substr(i, e - i)));
      break;
    }
    size_t j = i;
    while (j < cps.size() && !uni_is_space(cps[j])) ++j;
    out.push_back(utf8_encode(std::u32string_view(cps).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (maxsplit < 0) return py_split(s, sep, maxsplit);
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) throw_runtime("empty separator");
    size_t end = s.size();
    while (static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      const size_t p = s.rfind(*sep, end - sep->size());
      if (p == std::string_view::npos) break;
      out.emplace_back(s.substr(p + sep->size(), end - p - sep->size()));
      end = p;
    }
    out.emplace_back(s.substr(0, end));
  } else {
    const std::u32string cps = utf8_decode(s);
    size_t e = cps.size();
    while (e > 0) {
      while (e > 0 && uni_is_space(cps[e - 1])) --e;
      if (e == 0) break;
      if (static_cast<int64_t>(out.size()) >= maxsplit) {
        size_t b = 0;
        while (b < e && uni_is_space(cps[b])) ++b;
        out.push_back(utf8_encode(std::u32string_view(cps).substr(b, e - b)));
        break;
      }
      size_t b = e;
      while (b > 0 && !uni_is_space(cps[b - 1])) --b;
      out.push_back(utf8_encode(std::u32string_view(cps).substr(b, e - b)));
      e = b;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
  const std::u32string cps = utf8_decode(s);
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
  };
  while (i < cps.size()) {
    if (!is_break(cps[i])) {
      ++i;
      continue;
    }
    size_t eol = i + 1;
    if (cps[i] == '\r' && eol < cps.size() && cps[eol] == '\n') ++eol;
    out.push_back(utf8_encode(std::u32string_view(cps).substr(start, (keepends ? eol : i) - start)));
    start = i = eol;
  }
  if (start < cps.size()) out.push_back(utf8_encode(std::u32string_view(cps).substr(start)));
  return out;
}

namespace {
template <typename F>
std::string map_chars(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : utf8_decode(s)) f(out, c);
  return out;
}
}  // namespace

std::string py_upper(std::string_view s) {
  return map_chars(s, [](std::string& o, char32_t c) {
    if (c == 0xDF) {
      o += "SS";
    } else {
      utf8_append(o, uni_to_upper(c));
    }
  });
}

std::string py_lower(std::string_view s) {
  return map_chars(s, [](std::string& o, char32_t c) { utf8_append(o, uni_to_lower(c)); });
}

std::string py_swapcase(std::string_view s) {
  return map_chars(s, [](std::string& o, char32_t c) {
    utf8_append(o, uni_is_upper(c) ? uni_to_lower(c) : uni_to_upper(c));
  });
}

std::string py_title(std::string_view s) {
  bool prev_cased = false;
  return map_chars(s, [&](std::string& o, char32_t c) {
    utf8_append(o, prev_cased ? uni_to_lower(c) : uni_to_upper(c));
    prev_cased = uni_is_cased(c);
  });
}

std::string py_capitalize(std::string_view s) {
  bool first = true;
  return map_chars(s, [&](std::string& o, char32_t c) {
    utf8_append(o, first ? uni_to_upper(c) : uni_to_lower(c));
    first = false;
  });
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Inserts `repl` before every character and at the end.
    const std::u32string cps = utf8_decode(s);
    int64_t n = 0;
    for (char32_t c : cps) {
      if (count < 0 || n < count) {
        out += repl;
        ++n;
      }
      utf8_append(out, c);
    }
    if (count < 0 || n < count) out += repl;
    return out;
  }
  size_t start = 0;
  int64_t n = 0;
  while (count < 0 || n < count) {
    const size_t p = s.find(old, start);
    if (p == std::string_view::npos) break;
    out.append(s.substr(start, p - start));
    out.append(repl);
    start = p + old.size();
    ++n;
  }
  out.append(s.substr(start));
  return out;
}

int64_t py_count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(utf8_length(s)) + 1;
  int64_t n = 0;
  for (size_t p = s.find(sub); p != std::string_view::npos; p = s.find(sub, p + sub.size())) ++n;
  return n;
}

int64_t py_find(std::string_view s, std::string_view sub, bool reverse) {
  const size_t p = reverse ? s.rfind(sub) : s.find(sub);
  if (p == std::string_view::npos) return -1;
  return static_cast<int64_t>(utf8_length(s.substr(0, p)));
}

}  // namespace herd::chat
