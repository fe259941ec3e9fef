// Methods of str, dict and list values as the immutable sandbox exposes them.
#include <algorithm>
#include <array>
#include <cstdio>

#include "chat/objects.h"
#include "chat/py_string.h"
#include "chat/unicode.h"

namespace herd::chat {
namespace {

constexpr std::array kStrMethods = {
    "upper",      "lower",      "title",      "capitalize", "swapcase",   "casefold",     "strip",
    "lstrip",     "rstrip",     "split",      "rsplit",     "splitlines", "startswith",   "endswith",
    "replace",    "find",       "rfind",      "index",      "rindex",     "count",        "join",
    "format",     "isdigit",    "isnumeric",  "isdecimal",  "isalpha",    "isalnum",      "isspace",
    "isupper",    "islower",    "istitle",    "center",     "ljust",      "rjust",        "zfill",
    "partition",  "rpartition", "removeprefix", "removesuffix"};
constexpr std::array kDictMethods = {"items", "keys", "values", "get", "copy"};
constexpr std::array kUnsafeDictMethods = {"pop", "popitem", "setdefault", "update", "clear"};
constexpr std::array kListMethods = {"index", "count", "copy"};
constexpr std::array kUnsafeListMethods = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};

template <size_t N>
bool in_list(const std::array<const char*, N>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

std::optional<std::string> opt_str(const Value& v, const char* method) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  if (!v.is_string()) throw_runtime(std::string(method) + " arg must be None or str");
  return v.str();
}

int64_t opt_int(const Value& v, int64_t dflt) {
  if (v.is_undefined() || v.is_none()) return dflt;
  if (!v.is_int() && !v.is_bool()) throw_runtime("'" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.as_int();
}

Value str_list(const std::vector<std::string>& parts) {
  ValueList out;
  for (const auto& p : parts) out.push_back(Value::string(p));
  return Value::list(std::move(out));
}

template <typename Pred>
Value all_chars(const std::string& s, Pred pred) {
  const std::u32string cps = utf8_decode(s);
  if (cps.empty()) return Value::boolean(false);
  return Value::boolean(std::all_of(cps.begin(), cps.end(), pred));
}

// The format-spec mini-language: [[fill]align][sign][0][width][.precision][type].
std::string apply_format_spec(const Value& v, std::string text, const std::string& spec) {
  size_t i = 0;
  std::string fill = " ";
  char align = 0;
  const std::u32string sc = utf8_decode(spec);
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (sc.size() >= 2 && is_align(sc[1])) {
    fill = utf8_encode(sc.substr(0, 1));
    align = static_cast<char>(sc[1]);
    i = 2;
  } else if (!sc.empty() && is_align(sc[0])) {
    align = static_cast<char>(sc[0]);
    i = 1;
  }
  const std::string rest = utf8_encode(sc.substr(i));
  size_t p = 0;
  std::string sign;
  if (p < rest.size() && (rest[p] == '+' || rest[p] == '-' || rest[p] == ' ')) sign = rest.substr(p++, 1);
  if (p < rest.size() && rest[p] == '0') {
    if (!align) {
      fill = "0";
      align = '=';
    }
    ++p;
  }
  int64_t width = 0;
  while (p < rest.size() && std::isdigit(static_cast<unsigned char>(rest[p]))) width = std::min<int64_t>(width * 10 + (rest[p++] - '0'), 1 << 20);
  int precision = -1;
  if (p < rest.size() && rest[p] == '.') {
    precision = 0;
    ++p;
    while (p < rest.size() && std::isdigit(static_cast<unsigned char>(rest[p]))) precision = std::min(precision * 10 + (rest[p++] - '0'), 100);
  }
  const char type = p < rest.size() ? rest[p] : 0;
  char buf[512];
  if (v.is_number() && (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G' || type == '%')) {
    const double x = type == '%' ? v.as_float() * 100 : v.as_float();
    const std::string f = "%" + sign + "." + std::to_string(precision < 0 ? 6 : precision) + (type == '%' ? 'f' : type);
    std::snprintf(buf, sizeof buf, f.c_str(), x);
    text = std::string(buf) + (type == '%' ? "%" : "");
  } else if (v.is_number() && !v.is_float() && (type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 0)) {
    std::snprintf(buf, sizeof buf, ("%" + sign + "ll" + (type == 0 ? 'd' : type)).c_str(), static_cast<long long>(v.as_int()));
    text = buf;
  } else if (v.is_string() && precision >= 0) {
    text = utf8_encode(utf8_decode(text).substr(0, static_cast<size_t>(precision)));
  }
  const auto len = static_cast<int64_t>(utf8_length(text));
  if (width <= len) return text;
  if (!align) align = v.is_number() ? '>' : '<';
  const int64_t pad = width - len;
  auto rep = [&](int64_t n) {
    std::string r;
    for (int64_t k = 0; k < n; ++k) r += fill;
    return r;
  };
  switch (align) {
    case '<': return text + rep(pad);
    case '>': return rep(pad) + text;
    case '^': return rep(pad / 2) + text + rep(pad - pad / 2);
    default: {  // '=': padding after the sign
      const size_t sign_len = !text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == ' ') ? 1 : 0;
      return text.substr(0, sign_len) + rep(pad) + text.substr(sign_len);
    }
  }
}

// Python's str.format with {} / {0} / {name}, optional !r/!s and a format spec.
std::string str_format(Interpreter& in, const std::string& fmt, CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) throw_runtime("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec, conv;
    if (size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (size_t bang = field.find('!'); bang != std::string::npos) {
      conv = field.substr(bang + 1);
      field.resize(bang);
    }
    std::string rest;
    if (size_t dot = field.find_first_of(".["); dot != std::string::npos) {
      rest = field.substr(dot);
      field.resize(dot);
    }
    Value v;
    if (field.empty()) {
      if (auto_index >= args.positional.size()) throw_runtime("Replacement index out of range for positional args");
      v = args.positional[auto_index++];
    } else if (std::all_of(field.begin(), field.end(), [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
      const size_t idx = std::stoul(field);
      if (idx >= args.positional.size()) throw_runtime("Replacement index out of range for positional args");
      v = args.positional[idx];
    } else {
      bool found = false;
      for (auto& [k, kv] : args.keyword) {
        if (k == field) {
          v = kv;
          found = true;
        }
      }
      if (!found) throw_runtime("KeyError: '" + field + "'");
    }
    if (!rest.empty()) {
      std::string path;
      for (char ch : rest) path += (ch == '[' || ch == ']') ? (ch == '[' ? '.' : '\0') : ch;
      path.erase(std::remove(path.begin(), path.end(), '\0'), path.end());
      if (!path.empty() && path[0] == '.') path.erase(0, 1);
      v = in.get_path(v, path);
    }
    std::string text = conv == "r" ? to_repr(v) : to_str(v);
    if (!spec.empty()) text = apply_format_spec(v, text, spec);
    out += text;
    in.check_size(out.size());
  }
  return out;
}

Value string_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  const std::string& s = self.str();
  const bool m = self.is_markup();
  if (name == "upper") return Value::string(py_upper(s), m);
  if (name == "lower" || name == "casefold") return Value::string(py_lower(s), m);
  if (name == "title") return Value::string(py_title(s), m);
  if (name == "capitalize") return Value::string(py_capitalize(s), m);
  if (name == "swapcase") return Value::string(py_swapcase(s), m);
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const StripSide side = name == "strip" ? StripSide::kBoth : name == "lstrip" ? StripSide::kLeft : StripSide::kRight;
    return Value::string(py_strip(s, opt_str(args.take(0, "chars"), "strip"), side), m);
  }
  if (name == "split" || name == "rsplit") {
    const auto sep = opt_str(args.take(0, "sep"), "split");
    const int64_t maxsplit = opt_int(args.take(1, "maxsplit"), -1);
    return str_list(name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit));
  }
  if (name == "splitlines") return str_list(py_splitlines(s, truthy(args.take(0, "keepends"))));
  if (name == "startswith" || name == "endswith") {
    const Value arg = args.take(0, "prefix");
    ValueList options = arg.is_tuple() ? arg.items() : ValueList{arg};
    const std::u32string cps = utf8_decode(s);
    const auto n = static_cast<int64_t>(cps.size());
    int64_t b = opt_int(args.take(1, "start"), 0), e = opt_int(args.take(2, "end"), n);
    if (b < 0) b = std::max<int64_t>(0, b + n);
    if (e < 0) e = std::max<int64_t>(0, e + n);
    b = std::min(b, n);
    e = std::min(e, n);
    const std::string window = b <= e ? utf8_encode(std::u32string_view(cps).substr(b, e - b)) : std::string();
    for (const Value& o : options) {
      if (!o.is_string()) throw_runtime(std::string(name) + " first arg must be str or a tuple of str");
      if (b > e) continue;
      const std::string& p = o.str();
      if (name == "startswith" ? window.compare(0, p.size(), p) == 0 && window.size() >= p.size()
                               : window.size() >= p.size() && window.compare(window.size() - p.size(), p.size(), p) == 0)
        return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "replace") {
    const Value old = args.take(0, "old"), repl = args.take(1, "new");
    if (!old.is_string() || !repl.is_string()) throw_runtime("replace() arguments must be str");
    std::string r = py_replace(s, old.str(), repl.str(), opt_int(args.take(2, "count"), -1));
    in.check_size(r.size());
    return Value::string(std::move(r), m);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const Value sub = args.take(0, "sub");
    if (!sub.is_string()) throw_runtime("must be str, not " + type_name(sub));
    const int64_t r = py_find(s, sub.str(), name[0] == 'r');
    if (r < 0 && name.find("index") != std::string_view::npos) throw_runtime("substring not found");
    return Value::integer(r);
  }
  if (name == "count") {
    const Value sub = args.take(0, "sub");
    if (!sub.is_string()) throw_runtime("must be str, not " + type_name(sub));
    return Value::integer(py_count(s, sub.str()));
  }
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const Value& v : iterate(args.take(0, "iterable"))) {
      if (!v.is_string()) throw_runtime("sequence item: expected str instance, " + type_name(v) + " found");
      if (!first) out += s;
      first = false;
      out += v.str();
      in.check_size(out.size());
    }
    return Value::string(std::move(out));
  }
  if (name == "format") return Value::string(str_format(in, s, args), m);
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") return all_chars(s, uni_is_digit);
  if (name == "isalpha") return all_chars(s, uni_is_alpha);
  if (name == "isalnum") return all_chars(s, [](char32_t c) { return uni_is_alpha(c) || uni_is_digit(c); });
  if (name == "isspace") return all_chars(s, uni_is_space);
  if (name == "isupper" || name == "islower") {
    const std::u32string cps = utf8_decode(s);
    bool any_cased = false;
    for (char32_t c : cps) {
      if (!uni_is_cased(c)) continue;
      any_cased = true;
      if (name == "isupper" ? uni_is_lower(c) : uni_is_upper(c)) return Value::boolean(false);
    }
    return Value::boolean(any_cased);
  }
  if (name == "istitle") return Value::boolean(!s.empty() && py_title(s) == s);
  if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") {
    const int64_t width = opt_int(args.take(0, "width"), 0);
    in.check_size(static_cast<size_t>(std::max<int64_t>(0, width)));
    std::string fill = name == "zfill" ? "0" : to_str(args.take(1, "fillchar", Value::string(" ")));
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return self;
    const int64_t pad = width - len;
    auto rep = [&](int64_t n) {
      std::string r;
      for (int64_t i = 0; i < n; ++i) r += fill;
      return r;
    };
    if (name == "ljust") return Value::string(s + rep(pad), m);
    if (name == "rjust") return Value::string(rep(pad) + s, m);
    if (name == "zfill") {
      if (!s.empty() && (s[0] == '-' || s[0] == '+')) return Value::string(s.substr(0, 1) + rep(pad) + s.substr(1), m);
      return Value::string(rep(pad) + s, m);
    }
    const int64_t left = pad / 2 + (pad & width & 1);
    return Value::string(rep(left) + s + rep(pad - left), m);
  }
  if (name == "partition" || name == "rpartition") {
    const Value sep = args.take(0, "sep");
    if (!sep.is_string() || sep.str().empty()) throw_runtime("empty separator");
    const size_t p = name == "partition" ? s.find(sep.str()) : s.rfind(sep.str());
    if (p == std::string::npos) {
      return name == "partition"
                 ? Value::list({Value::string(s), Value::string(""), Value::string("")}, true)
                 : Value::list({Value::string(""), Value::string(""), Value::string(s)}, true);
    }
    return Value::list({Value::string(s.substr(0, p)), sep, Value::string(s.substr(p + sep.str().size()))}, true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string a = to_str(args.take(0, "prefix"));
    if (name == "removeprefix") return Value::string(s.compare(0, a.size(), a) == 0 ? s.substr(a.size()) : s, m);
    if (s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0)
      return Value::string(s.substr(0, s.size() - a.size()), m);
    return self;
  }
  throw_runtime("'str' object has no attribute '" + std::string(name) + "'");
}

Value dict_method(const Value& self, std::string_view name, CallArgs& args) {
  const Dict& d = self.dict();
  if (name == "items") {
    ValueList out;
    for (const auto& [k, v] : d.entries) out.push_back(Value::list({k, v}, true));
    return Value::list_of(std::move(out), ListFlavor::kDictItems);
  }
  if (name == "keys" || name == "values") {
    ValueList out;
    for (const auto& [k, v] : d.entries) out.push_back(name == "keys" ? k : v);
    return Value::list_of(std::move(out), name == "keys" ? ListFlavor::kDictKeys : ListFlavor::kDictValues);
  }
  if (name == "get") {
    if (const Value* v = d.find(args.take(0, "key"))) return *v;
    const Value dflt = args.take(1, "default");
    return dflt.is_undefined() ? Value::none() : dflt;
  }
  if (name == "copy") return Value::dict(d);
  throw_runtime("'dict' object has no attribute '" + std::string(name) + "'");
}

Value list_method(const Value& self, std::string_view name, CallArgs& args) {
  const ValueList& items = self.items();
  if (name == "index" || name == "count") {
    const Value x = args.take(0, "value");
    int64_t n = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!py_equal(items[i], x)) continue;
      if (name == "index") return Value::integer(static_cast<int64_t>(i));
      ++n;
    }
    if (name == "index") throw_runtime("value is not in list");
    return Value::integer(n);
  }
  if (name == "copy") return Value::list(items, self.is_tuple());
  throw_runtime("'list' object has no attribute '" + std::string(name) + "'");
}

}  // namespace

bool has_method(const Value& self, std::string_view name) {
  if (self.is_string()) return in_list(kStrMethods, name);
  if (self.is_dict()) return in_list(kDictMethods, name);
  if (self.is_tuple()) return name == "index" || name == "count";
  if (self.is_list()) return in_list(kListMethods, name);
  return false;
}

bool is_unsafe_method(const Value& self, std::string_view name) {
  if (self.is_dict()) return in_list(kUnsafeDictMethods, name);
  if (self.is_list() && !self.is_tuple()) return in_list(kUnsafeListMethods, name);
  return false;
}

Value call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  if (self.is_string()) return string_method(in, self, name, args);
  if (self.is_dict()) return dict_method(self, name, args);
  if (self.is_list()) return list_method(self, name, args);
  throw_runtime("'" + type_name(self) + "' object has no attribute '" + std::string(name) + "'");
}

}  // namespace herd::chat
