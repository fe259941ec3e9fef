// The less common Jinja2 filters: truncate, groupby, slice, urlencode, random.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include "chat/filters.h"
#include "chat/py_string.h"
#include "chat/unicode.h"

namespace herd::chat {
namespace {

bool absent(const Value& v) { return v.is_undefined() || v.is_none(); }

Value truncate(Value& v, CallArgs& a) {
  const std::u32string s = utf8_decode(to_str(v));
  const Value len_v = a.take(0, "length", Value::integer(255));
  const int64_t length = len_v.is_number() ? len_v.as_int() : 255;
  const bool killwords = truthy(a.take(1, "killwords"));
  const std::string end = to_str(a.take(2, "end", Value::string("...")));
  const Value leeway_v = a.take(3, "leeway");
  const int64_t leeway = absent(leeway_v) ? 5 : leeway_v.as_int();
  const auto end_len = static_cast<int64_t>(utf8_length(end));
  if (length < end_len) throw_runtime("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) throw_runtime("expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<int64_t>(s.size()) <= length + leeway) return Value::string(utf8_encode(s));
  const std::string head = utf8_encode(std::u32string_view(s).substr(0, static_cast<size_t>(length - end_len)));
  if (killwords) return Value::string(head + end);
  return Value::string(py_rsplit(head, std::string(" "), 1).front() + end);
}

Value groupby(Interpreter& in, Value& v, CallArgs& a) {
  const std::string attr = to_str(a.take(0, "attribute"));
  const Value dflt = a.take(1, "default");
  const bool case_sensitive = truthy(a.take(2, "case_sensitive"));
  auto key_of = [&](const Value& item, bool fold) {
    Value k = in.get_path(item, attr);
    if (k.is_undefined() && !absent(dflt)) k = dflt;
    if (fold && k.is_string()) k = Value::string(py_lower(k.str()));
    return k;
  };
  ValueList items = iterate(v);
  in.tick(static_cast<int64_t>(items.size()));
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) keyed.emplace_back(key_of(item, !case_sensitive), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return py_compare(x.first, y.first) < 0; });
  ValueList groups;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    ValueList members;
    while (j < keyed.size() && py_equal(keyed[j].first, keyed[i].first)) members.push_back(keyed[j++].second);
    // The grouper is the first member's own value, not its case-folded key.
    const Value grouper = case_sensitive ? keyed[i].first : key_of(members.front(), false);
    groups.push_back(Value::list_of({grouper, Value::list(std::move(members))}, ListFlavor::kGroup));
    i = j;
  }
  return Value::list(std::move(groups));
}

Value slice(Value& v, CallArgs& a) {
  const Value n_v = a.take(0, "slices");
  if (!n_v.is_int() || n_v.as_int() <= 0) throw_runtime("slices must be a positive integer");
  const int64_t slices = n_v.as_int();
  const Value fill = a.take(1, "fill_with");
  const ValueList seq = iterate(v);
  const auto length = static_cast<int64_t>(seq.size());
  if (slices > std::max<int64_t>(length, 1) * 2 + 1024) throw_limit("too many slices");
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  ValueList out;
  for (int64_t k = 0; k < slices; ++k) {
    const int64_t start = offset + k * per;
    if (k < extra) ++offset;
    const int64_t end = offset + (k + 1) * per;
    ValueList part(seq.begin() + start, seq.begin() + end);
    if (!absent(fill) && k >= extra) part.push_back(fill);
    out.push_back(Value::list(std::move(part)));
  }
  return make_generator(std::move(out));
}

// urllib.parse.quote with the given safe characters (letters, digits and _.-~ always).
std::string url_quote(const std::string& s, const char* safe, bool plus_for_space) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || std::strchr(safe, c)) {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Value urlencode(Value& v) {
  if (v.is_string()) return Value::string(url_quote(v.str(), "/", false));
  ValueList pairs;
  if (v.is_dict()) {
    for (const auto& [k, val] : v.dict().entries) pairs.push_back(Value::list({k, val}, true));
  } else {
    pairs = iterate(v);
  }
  std::string out;
  for (const Value& p : pairs) {
    const ValueList kv = iterate(p);
    if (kv.size() != 2) throw_runtime("urlencode needs pairs");
    if (!out.empty()) out += '&';
    out += url_quote(to_str(kv[0]), "", true) + "=" + url_quote(to_str(kv[1]), "", true);
  }
  return Value::string(std::move(out));
}

}  // namespace

bool has_extra_filter(std::string_view name) {
  return name == "truncate" || name == "groupby" || name == "slice" || name == "urlencode" || name == "random";
}

Value apply_extra_filter(Interpreter& in, std::string_view name, Value& input, CallArgs& args) {
  if (name == "truncate") return truncate(input, args);
  if (name == "groupby") return groupby(in, input, args);
  if (name == "slice") return slice(input, args);
  if (name == "urlencode") return urlencode(input);
  if (name == "random") {
    const ValueList items = iterate(input);
    if (items.empty()) return Value::undefined("No random item, sequence was empty.");
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(rng)];
  }
  throw_runtime("no filter named '" + std::string(name) + "'");
}

}  // namespace herd::chat
