#include "chat/filters.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unordered_map>

#include "chat/json_value.h"
#include "chat/operators.h"
#include "chat/py_string.h"
#include "chat/unicode.h"

namespace herd::chat {
namespace {

using FilterFn = std::function<Value(Interpreter&, Value&, CallArgs&)>;

// soft_str: Markup stays Markup, everything else becomes str(value).
Value soft_str(const Value& v) { return v.is_string() ? v : Value::string(to_str(v)); }

std::optional<std::string> opt_string(const Value& v) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return to_str(v);
}

int64_t int_or(const Value& v, int64_t dflt) {
  if (v.is_undefined() || v.is_none()) return dflt;
  if (!v.is_number()) throw_runtime("'" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.is_float() ? static_cast<int64_t>(v.as_float()) : v.as_int();
}

// Python's int(str): optional sign, digits with single underscores, surrounding whitespace.
std::optional<int64_t> parse_py_int(const std::string& text, int base) {
  std::string s = py_strip(text, std::nullopt, StripSide::kBoth);
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_' && s[i + 1] != '_' &&
        std::isalnum(static_cast<unsigned char>(s[i - 1]))) continue;
    digits += s[i];
  }
  if (digits.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(digits.c_str(), &end, base);
  if (errno != 0 || *end != '\0' || std::isspace(static_cast<unsigned char>(digits[0]))) return std::nullopt;
  return v;
}

std::optional<double> parse_py_float(const std::string& text) {
  std::string s = py_strip(text, std::nullopt, StripSide::kBoth);
  if (s.empty()) return std::nullopt;
  std::string lower = py_lower(s);
  if (lower == "nan" || lower == "+nan" || lower == "-nan") return std::nan("");
  if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") return INFINITY;
  if (lower == "-inf" || lower == "-infinity") return -INFINITY;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return v;
}

// select/reject/selectattr/rejectattr.
Value select_impl(Interpreter& in, const Value& seq, CallArgs& args, bool by_attr, bool keep_when) {
  if (!truthy(seq)) return make_generator({});  // Jinja2: `if value:` before iterating
  size_t next = 0;
  std::string attr;
  if (by_attr) attr = to_str(args.take(next++, "attribute"));
  const bool has_test = next < args.positional.size();
  std::string test_name = has_test ? to_str(args.positional[next]) : std::string();
  CallArgs test_args;
  for (size_t i = next + 1; i < args.positional.size(); ++i) test_args.positional.push_back(args.positional[i]);
  ValueList out;
  for (const Value& item : iterate(seq)) {
    in.tick();
    const Value probe = by_attr ? in.get_path(item, attr) : item;
    CallArgs a = test_args;
    const bool ok = has_test ? in.test(test_name, probe, a) : truthy(probe);
    if (ok == keep_when) out.push_back(item);
  }
  return make_generator(std::move(out));
}

Value sort_key(Interpreter& in, const Value& item, const std::string& attr, bool case_sensitive) {
  Value k = attr.empty() ? item : in.get_path(item, attr);
  if (!case_sensitive && k.is_string()) return Value::string(py_lower(k.str()));
  return k;
}

Value filter_tojson(Interpreter& in, Value& v, CallArgs& args) {
  JsonDumpOptions o;
  o.ensure_ascii = truthy(args.take(0, "ensure_ascii", Value::boolean(false)));
  const Value indent = args.take(1, "indent");
  if (indent.is_int() || indent.is_bool()) {
    o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 1024)), ' ');
  } else if (indent.is_string()) {
    o.indent = indent.str();
  } else if (!indent.is_none() && !indent.is_undefined()) {
    throw_runtime("indent must be an int or a str");
  }
  const Value seps = args.take(2, "separators");
  if (seps.is_list()) {
    if (seps.items().size() != 2) throw_runtime("separators must be a pair of strings");
    o.item_separator = to_str(seps.items()[0]);
    o.key_separator = to_str(seps.items()[1]);
  } else if (o.indent) {
    o.item_separator = ",";
  }
  o.sort_keys = truthy(args.take(3, "sort_keys"));
  std::string s = json_dumps(v, o);
  in.check_size(s.size());
  return Value::string(std::move(s));
}

Value filter_indent(Interpreter& in, Value& v, CallArgs& args) {
  const Value w = args.take(0, "width", Value::integer(4));
  std::string ind;
  if (w.is_string()) {
    ind = w.str();
  } else {
    ind = std::string(static_cast<size_t>(std::clamp<int64_t>(int_or(w, 4), 0, 1 << 16)), ' ');
  }
  const bool first = truthy(args.take(1, "first")), blank = truthy(args.take(2, "blank"));
  const std::string s = to_str(v) + "\n";
  const std::vector<std::string> lines = py_splitlines(s, false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + ind;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? std::string() : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? lines[i] : ind + lines[i]);
  }
  if (first) rv = ind + rv;
  in.check_size(rv.size());
  return Value::string(std::move(rv), v.is_markup());
}

Value filter_title(Value& v) {
  // Jinja's own title: words begin after runs of '-', whitespace, '(', '{', '[', '<'.
  const std::u32string cps = utf8_decode(to_str(v));
  std::string out;
  bool at_start = true;
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || uni_is_space(c); };
  for (size_t i = 0; i < cps.size(); ++i) {
    const bool sep = is_sep(cps[i]);
    if (i > 0 && sep != is_sep(cps[i - 1])) at_start = true;
    utf8_append(out, at_start ? uni_to_upper(cps[i]) : uni_to_lower(cps[i]));
    at_start = false;
  }
  return Value::string(std::move(out));
}

Value filter_round(Value& v, CallArgs& args) {
  const int64_t precision = int_or(args.take(0, "precision", Value::integer(0)), 0);
  const std::string method = to_str(args.take(1, "method", Value::string("common")));
  if (!v.is_number()) throw_runtime("type " + type_name(v) + " doesn't define __round__ method");
  if (method == "common") {
    if (!v.is_float()) return Value::integer(v.as_int());
    const double x = v.as_float();
    if (!std::isfinite(x)) return v;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::clamp<int64_t>(precision, 0, 300)), x);
    double r = std::strtod(buf, nullptr);
    if (precision < 0) {
      const double p = std::pow(10.0, static_cast<double>(-precision));
      r = std::nearbyint(x / p) * p;
    }
    return Value::floating(r);
  }
  if (method != "ceil" && method != "floor") throw_runtime("method must be 'common', 'ceil' or 'floor'");
  const double p = std::pow(10.0, static_cast<double>(precision));
  const double scaled = v.as_float() * p;
  return Value::floating((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / p);
}

const std::unordered_map<std::string_view, FilterFn>& filter_table() {
  static const auto* table = new std::unordered_map<std::string_view, FilterFn>{
      {"tojson", filter_tojson},
      {"indent", filter_indent},
      {"length", [](Interpreter&, Value& v, CallArgs&) { return Value::integer(py_len(v)); }},
      {"count", [](Interpreter&, Value& v, CallArgs&) { return Value::integer(py_len(v)); }},
      {"trim",
       [](Interpreter&, Value& v, CallArgs& a) {
         const Value s = soft_str(v);
         return Value::string(py_strip(s.str(), opt_string(a.take(0, "chars")), StripSide::kBoth), s.is_markup());
       }},
      {"string", [](Interpreter&, Value& v, CallArgs&) { return soft_str(v); }},
      {"upper", [](Interpreter&, Value& v, CallArgs&) { return Value::string(py_upper(to_str(v))); }},
      {"lower", [](Interpreter&, Value& v, CallArgs&) { return Value::string(py_lower(to_str(v))); }},
      {"capitalize", [](Interpreter&, Value& v, CallArgs&) { return Value::string(py_capitalize(to_str(v))); }},
      {"title", [](Interpreter&, Value& v, CallArgs&) { return filter_title(v); }},
      {"safe", [](Interpreter&, Value& v, CallArgs&) { return Value::string(to_str(v), true); }},
      {"escape",
       [](Interpreter&, Value& v, CallArgs&) { return v.is_markup() ? v : Value::string(html_escape(to_str(v)), true); }},
      {"e",
       [](Interpreter&, Value& v, CallArgs&) { return v.is_markup() ? v : Value::string(html_escape(to_str(v)), true); }},
      {"forceescape", [](Interpreter&, Value& v, CallArgs&) { return Value::string(html_escape(to_str(v)), true); }},
      {"list", [](Interpreter&, Value& v, CallArgs&) { return Value::list(iterate(v)); }},
      {"items",
       [](Interpreter&, Value& v, CallArgs&) {
         if (v.is_undefined()) return make_generator({});
         if (!v.is_dict()) throw_runtime("Can only get item pairs from a mapping.");
         ValueList out;
         for (const auto& [k, val] : v.dict().entries) out.push_back(Value::list({k, val}, true));
         return make_generator(std::move(out));
       }},
      {"join",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const std::string sep = to_str(a.take(0, "d", Value::string("")));
         const Value attr = a.take(1, "attribute");
         std::string out;
         bool first = true;
         for (const Value& item : iterate(v)) {
           in.tick();
           if (!first) out += sep;
           first = false;
           out += to_str(attr.is_undefined() || attr.is_none() ? item : in.get_path(item, to_str(attr)));
           in.check_size(out.size());
         }
         return Value::string(std::move(out));
       }},
      {"default",
       [](Interpreter&, Value& v, CallArgs& a) {
         const bool boolean = truthy(a.take(1, "boolean"));
         if (v.is_undefined() || (boolean && !truthy(v))) return a.take(0, "default_value", Value::string(""));
         return v;
       }},
      {"replace",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const Value c = a.take(2, "count");
         std::string r = py_replace(to_str(v), to_str(a.take(0, "old")), to_str(a.take(1, "new")),
                                    c.is_undefined() || c.is_none() ? -1 : int_or(c, -1));
         in.check_size(r.size());
         return Value::string(std::move(r));
       }},
      {"first",
       [](Interpreter&, Value& v, CallArgs&) {
         const ValueList items = iterate(v);
         if (items.empty()) return Value::undefined("No first item, sequence was empty.");
         return items.front();
       }},
      {"last",
       [](Interpreter&, Value& v, CallArgs&) {
         if (v.is_object()) throw_runtime("'" + type_name(v) + "' object is not reversible");
         const ValueList items = iterate(v);
         if (items.empty()) return Value::undefined("No last item, sequence was empty.");
         return items.back();
       }},
      {"int",
       [](Interpreter&, Value& v, CallArgs& a) {
         const Value dflt = a.take(0, "default", Value::integer(0));
         const int base = static_cast<int>(int_or(a.take(1, "base", Value::integer(10)), 10));
         if (v.is_bool() || v.is_int()) return Value::integer(v.as_int());
         if (v.is_float()) return std::isfinite(v.as_float()) ? Value::integer(static_cast<int64_t>(v.as_float())) : dflt;
         if (v.is_string()) {
           if (auto i = parse_py_int(v.str(), base)) return Value::integer(*i);
           if (auto f = parse_py_float(v.str()); f && std::isfinite(*f)) return Value::integer(static_cast<int64_t>(*f));
         }
         return dflt;
       }},
      {"float",
       [](Interpreter&, Value& v, CallArgs& a) {
         const Value dflt = a.take(0, "default", Value::floating(0.0));
         if (v.is_number()) return Value::floating(v.as_float());
         if (v.is_string())
           if (auto f = parse_py_float(v.str())) return Value::floating(*f);
         return dflt;
       }},
      {"abs",
       [](Interpreter&, Value& v, CallArgs&) {
         if (v.is_float()) return Value::floating(std::fabs(v.as_float()));
         if (!v.is_number()) throw_runtime("bad operand type for abs(): '" + type_name(v) + "'");
         if (v.as_int() == INT64_MIN) throw_runtime("integer overflow");
         return Value::integer(std::llabs(v.as_int()));
       }},
      {"round", [](Interpreter&, Value& v, CallArgs& a) { return filter_round(v, a); }},
      {"select", [](Interpreter& in, Value& v, CallArgs& a) { return select_impl(in, v, a, false, true); }},
      {"reject", [](Interpreter& in, Value& v, CallArgs& a) { return select_impl(in, v, a, false, false); }},
      {"selectattr", [](Interpreter& in, Value& v, CallArgs& a) { return select_impl(in, v, a, true, true); }},
      {"rejectattr", [](Interpreter& in, Value& v, CallArgs& a) { return select_impl(in, v, a, true, false); }},
      {"map",
       [](Interpreter& in, Value& v, CallArgs& a) {
         ValueList out;
         if (!truthy(v)) return make_generator({});
         const Value attr = a.take(SIZE_MAX, "attribute");
         if (!attr.is_undefined()) {
           const Value dflt = a.take(SIZE_MAX, "default");
           for (const Value& item : iterate(v)) {
             in.tick();
             Value r = in.get_path(item, to_str(attr));
             out.push_back(r.is_undefined() && !dflt.is_undefined() ? dflt : r);
           }
           return make_generator(std::move(out));
         }
         if (a.positional.empty()) throw_runtime("map requires a filter argument");
         const std::string name = to_str(a.positional[0]);
         CallArgs rest;
         rest.positional.assign(a.positional.begin() + 1, a.positional.end());
         rest.keyword = a.keyword;
         for (const Value& item : iterate(v)) {
           in.tick();
           CallArgs each = rest;
           out.push_back(in.filter(name, item, each));
         }
         return make_generator(std::move(out));
       }},
      {"unique",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const bool cs = truthy(a.take(0, "case_sensitive"));
         const Value attr = a.take(1, "attribute");
         const std::string path = attr.is_undefined() || attr.is_none() ? std::string() : to_str(attr);
         ValueList out, seen;
         for (const Value& item : iterate(v)) {
           in.tick();
           const Value key = sort_key(in, item, path, cs);
           bool dup = false;
           for (const Value& s : seen) dup = dup || py_equal(s, key);
           if (dup) continue;
           seen.push_back(key);
           out.push_back(item);
         }
         return make_generator(std::move(out));
       }},
      {"sort",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const bool reverse = truthy(a.take(0, "reverse"));
         const bool cs = truthy(a.take(1, "case_sensitive"));
         const Value attr = a.take(2, "attribute");
         const std::string path = attr.is_undefined() || attr.is_none() ? std::string() : to_str(attr);
         ValueList items = iterate(v);
         in.tick(static_cast<int64_t>(items.size()));
         std::vector<std::pair<Value, Value>> keyed;
         for (Value& it : items) keyed.emplace_back(sort_key(in, it, path, cs), std::move(it));
         std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
           return reverse ? py_compare(y.first, x.first) < 0 : py_compare(x.first, y.first) < 0;
         });
         ValueList out;
         for (auto& kv : keyed) out.push_back(std::move(kv.second));
         return Value::list(std::move(out));
       }},
      {"dictsort",
       [](Interpreter& in, Value& v, CallArgs& a) {
         if (!v.is_dict()) throw_runtime("You can only sort by either \"key\" or \"value\"");
         const bool cs = truthy(a.take(0, "case_sensitive"));
         const std::string by = to_str(a.take(1, "by", Value::string("key")));
         const bool reverse = truthy(a.take(2, "reverse"));
         ValueList pairs;
         for (const auto& [k, val] : v.dict().entries) pairs.push_back(Value::list({k, val}, true));
         const size_t idx = by == "value" ? 1 : 0;
         std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
           const Value kx = sort_key(in, x.items()[idx], "", cs), ky = sort_key(in, y.items()[idx], "", cs);
           return reverse ? py_compare(ky, kx) < 0 : py_compare(kx, ky) < 0;
         });
         return Value::list(std::move(pairs));
       }},
      {"reverse",
       [](Interpreter&, Value& v, CallArgs&) {
         if (v.is_string()) {
           std::u32string c = utf8_decode(v.str());
           std::reverse(c.begin(), c.end());
           return Value::string(utf8_encode(c));
         }
         ValueList items = iterate(v);
         std::reverse(items.begin(), items.end());
         return make_generator(std::move(items));
       }},
      {"sum",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const Value attr = a.take(0, "attribute");
         Value total = a.take(1, "start", Value::integer(0));
         for (const Value& item : iterate(v)) {
           in.tick();
           total = binary_op("+", total, attr.is_undefined() || attr.is_none() ? item : in.get_path(item, to_str(attr)),
                             in.config().max_output_bytes);
         }
         return total;
       }},
      {"min",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const bool cs = truthy(a.take(0, "case_sensitive"));
         const Value attr = a.take(1, "attribute");
         const std::string path = attr.is_undefined() || attr.is_none() ? std::string() : to_str(attr);
         const ValueList items = iterate(v);
         if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
         size_t best = 0;
         for (size_t i = 1; i < items.size(); ++i)
           if (py_compare(sort_key(in, items[i], path, cs), sort_key(in, items[best], path, cs)) < 0) best = i;
         return items[best];
       }},
      {"max",
       [](Interpreter& in, Value& v, CallArgs& a) {
         const bool cs = truthy(a.take(0, "case_sensitive"));
         const Value attr = a.take(1, "attribute");
         const std::string path = attr.is_undefined() || attr.is_none() ? std::string() : to_str(attr);
         const ValueList items = iterate(v);
         if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
         size_t best = 0;
         for (size_t i = 1; i < items.size(); ++i)
           if (py_compare(sort_key(in, items[i], path, cs), sort_key(in, items[best], path, cs)) > 0) best = i;
         return items[best];
       }},
      {"batch",
       [](Interpreter&, Value& v, CallArgs& a) {
         const int64_t n = int_or(a.take(0, "linecount"), 1);
         if (n <= 0) throw_runtime("batch size must be positive");
         const Value fill = a.take(1, "fill_with");
         ValueList out, cur;
         for (const Value& item : iterate(v)) {
           cur.push_back(item);
           if (static_cast<int64_t>(cur.size()) == n) {
             out.push_back(Value::list(std::move(cur)));
             cur.clear();
           }
         }
         if (!cur.empty()) {
           if (!fill.is_undefined() && !fill.is_none())
             while (static_cast<int64_t>(cur.size()) < n) cur.push_back(fill);
           out.push_back(Value::list(std::move(cur)));
         }
         return make_generator(std::move(out));
       }},
      {"wordcount",
       [](Interpreter&, Value& v, CallArgs&) {
         int64_t n = 0;
         bool in_word = false;
         for (char32_t c : utf8_decode(to_str(v))) {
           const bool w = uni_is_alpha(c) || uni_is_digit(c) || c == '_' || (c >= 0x80 && !uni_is_space(c) && uni_is_printable(c) && c > 0x2FFF);
           if (w && !in_word) ++n;
           in_word = w;
         }
         return Value::integer(n);
       }},
      {"center",
       [](Interpreter& in, Value& v, CallArgs& a) {
         CallArgs m;
         m.positional.push_back(a.take(0, "width", Value::integer(80)));
         Value s = Value::string(to_str(v));
         return in.get_attr(s, "center").obj().call(in, m);
       }},
      {"format",
       [](Interpreter& in, Value& v, CallArgs& a) {
         std::string r;
         if (!a.keyword.empty()) {
           Dict d;
           for (auto& [k, val] : a.keyword) d.set(Value::string(k), val);
           r = percent_format(to_str(v), Value::dict(std::move(d)));
         } else {
           r = percent_format(to_str(v), Value::list(a.positional, true));
         }
         in.check_size(r.size());
         return Value::string(std::move(r));
       }},
      {"attr", [](Interpreter& in, Value& v, CallArgs& a) { return in.get_attr(v, to_str(a.take(0, "name"))); }},
      {"pprint", [](Interpreter&, Value& v, CallArgs&) { return Value::string(to_repr(v)); }},
  };
  return *table;
}

}  // namespace

bool has_filter(std::string_view name) {
  return filter_table().count(name) > 0 || name == "d" || has_extra_filter(name);
}

Value apply_builtin_filter(Interpreter& in, std::string_view name, Value input, CallArgs& args) {
  if (name == "d") name = "default";
  const auto& t = filter_table();
  auto it = t.find(name);
  if (it == t.end()) {
    if (has_extra_filter(name)) return apply_extra_filter(in, name, input, args);
    throw_runtime("no filter named '" + std::string(name) + "'");
  }
  return it->second(in, input, args);
}

}  // namespace herd::chat
