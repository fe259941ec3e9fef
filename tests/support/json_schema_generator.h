// Seeded random JSON schemas for the property tests, random instances of them written the way
// herd's grammar writes JSON (properties in schema order, compact, numbers without exponents),
// and random edits of instances (the caller keeps those the independent validator rejects).
// Only what the compiler supports is generated, and oneOf members never overlap (the compiler
// treats oneOf as anyOf).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <utility>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace herd::testing {

struct PatternCase {
  const char* pattern;
  std::vector<std::string> examples;  // strings that match (decoded text)
};

inline const std::vector<PatternCase>& pattern_cases() {
  static const std::vector<PatternCase> cases = {
      {"^[a-z]+$", {"abc", "z"}},
      {"^\\d{3}-\\d{4}$", {"555-1234"}},
      {"^(foo|bar)baz?$", {"foobaz", "barba"}},
      {"[A-Z]{2}", {"xxAByy", "QQ"}},
      {"^\\w+@\\w+\\.com$", {"a@b.com"}},
      {"colou?r", {"my colour", "color"}},
      {"^[^\\s]{1,5}$", {"abc", "a\"b", "\\", "\xc3\xa9"}},
      {"^(\\([0-9]{3}\\))?[0-9]{3}$", {"(555)123", "123"}},
      {"^a.c$", {"abc", "a c", "a\"c"}},
      {"^$", {""}},
      {"x*", {"", "anything"}},
      {"^[\\u00e9\\u4e2d]+$", {"\xc3\xa9\xe4\xb8\xad"}},
      {"^\\x41\\.\\*$", {"A.*"}},
      {"^(?:ab){2,3}$", {"abab", "ababab"}},
      {"^[a-c]|z$", {"apple", "quiz"}},
      {"^[A-Z]{2}-\\d{3,5}$", {"AB-123", "ZZ-98765"}},
  };
  return cases;
}

class RandomSchemaGenerator {
 public:
  using ojson = nlohmann::ordered_json;

  explicit RandomSchemaGenerator(uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  int64_t between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng_); }

  // A random schema; sub-schemas it refers to live in its "$defs".
  ojson schema() {
    defs_ = ojson::object();
    ojson s = node(0);
    if (!defs_.empty()) {
      if (!s.is_object() || s.contains("$ref") || s.contains("enum") || s.contains("const")) s = ojson{{"allOf", ojson::array({s})}};
      s["$defs"] = defs_;
    }
    return s;
  }

  // An instance of `schema` (inside `root`, for $ref).
  ojson instance(const ojson& schema, const ojson& root, int depth = 0) {
    if (schema.is_boolean()) return small_value();
    if (schema.contains("$ref")) {
      std::string ref = schema["$ref"].get<std::string>();
      const ojson& target = ref == "#" ? root : root.at(ojson::json_pointer(ref.substr(1)));
      return instance(target, root, depth + 1);
    }
    if (schema.contains("allOf")) {
      ojson out = ojson::object();
      bool object = false;
      for (const ojson& m : schema["allOf"]) {
        ojson part = instance(m, root, depth + 1);
        if (!part.is_object()) return part;
        object = true;
        for (auto it = part.begin(); it != part.end(); ++it) out[it.key()] = it.value();
      }
      return object ? out : ojson();
    }
    if (schema.contains("anyOf")) return instance(schema["anyOf"][pick(schema["anyOf"].size())], root, depth + 1);
    if (schema.contains("oneOf")) return instance(schema["oneOf"][pick(schema["oneOf"].size())], root, depth + 1);
    if (schema.contains("const")) return schema["const"];
    if (schema.contains("enum")) return schema["enum"][pick(schema["enum"].size())];
    if (schema.value("nullable", false) && coin(0.3)) return nullptr;
    std::string type = "any";
    if (schema.contains("type")) {
      const ojson& t = schema["type"];
      type = t.is_string() ? t.get<std::string>() : t[pick(t.size())].get<std::string>();
    }
    if (type == "null") return nullptr;
    if (type == "boolean") return coin();
    if (type == "string") return string_instance(schema);
    if (type == "integer") return integer_instance(schema);
    if (type == "number") return number_instance(schema);
    if (type == "object") return object_instance(schema, root, depth);
    if (type == "array") return array_instance(schema, root, depth);
    return small_value();
  }

  // A random edit somewhere in `v`.
  ojson mutate(ojson v) {
    std::vector<ojson*> nodes;
    collect(v, nodes);
    ojson& n = *nodes[pick(nodes.size())];
    switch (pick(6)) {
      case 0: {
        static const ojson kOthers[] = {"x", 12345678, true, nullptr, ojson::object(), ojson::array(), 2.5};
        n = kOthers[pick(7)];
        break;
      }
      case 1:
        if (n.is_object() && !n.empty()) {
          auto it = n.begin();
          std::advance(it, long(pick(n.size())));
          std::string key = it.key();
          n.erase(key);
        } else if (n.is_object()) {
          n["zz_unknown"] = 1;
        }
        break;
      case 2:
        if (n.is_string()) n = n.get<std::string>() + "!!!!!!!!!!!!";
        if (n.is_number()) n = n.get<double>() + 1000000;
        break;
      case 3:
        if (n.is_string()) n = "";
        if (n.is_number_integer()) n = -n.get<int64_t>() - 1;
        if (n.is_number_float()) n = n.get<double>() + 0.5;
        break;
      case 4:
        if (n.is_array() && !n.empty()) n.push_back(n.back());
        if (n.is_array() && coin()) n = ojson::array();
        break;
      default:
        if (n.is_object()) n["zz_unknown"] = "x";
        if (n.is_array()) n.push_back("zz");
        break;
    }
    return v;
  }

 private:
  ojson small_value() {
    switch (pick(4)) {
      case 0: return int64_t(between(-50, 50));
      case 1: return "v";
      case 2: return true;
      default: return nullptr;
    }
  }

  std::string random_string(size_t n) {
    static const char* kPieces[] = {"a", "Z", "0", " ", "\"", "\\", "\n", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\t", "/", "q"};
    std::string s;
    for (size_t i = 0; i < n; ++i) s += kPieces[pick(std::size(kPieces))];
    return s;
  }

  ojson string_instance(const ojson& s) {
    if (s.contains("pattern")) {
      for (const PatternCase& c : pattern_cases()) {
        if (s["pattern"] == c.pattern) return c.examples[pick(c.examples.size())];
      }
    }
    if (s.contains("format")) return format_instance(s["format"].get<std::string>());
    size_t lo = s.value("minLength", size_t{0});
    size_t hi = s.value("maxLength", lo + 6);
    return random_string(size_t(between(int64_t(lo), int64_t(hi))));
  }

  std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

  ojson format_instance(const std::string& f) {
    int y = int(between(0, 9999)), m = int(between(1, 12));
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int d = int(between(1, kDays[m - 1] + (m == 2 && leap ? 1 : 0)));
    char year[8];
    std::snprintf(year, sizeof(year), "%04d", y);
    std::string date = std::string(year) + "-" + two(m) + "-" + two(d);
    std::string time = two(int(between(0, 23))) + ":" + two(int(between(0, 59))) + ":" + two(int(between(0, 59))) +
                       (coin() ? ".123" : "") + (coin() ? "Z" : "+05:30");
    if (f == "date") return date;
    if (f == "time") return time;
    if (f == "date-time") return date + "T" + time;
    if (f == "uuid") return "123e4567-e89b-12d3-A456-426614174000";
    return coin() ? "john.doe@example.com" : "a+b@mail-1.example.co";
  }

  // [lo, hi] of an integer schema, open ends replaced by +-1000 around the other.
  std::pair<int64_t, int64_t> integer_bounds(const ojson& s) {
    int64_t lo = s.contains("minimum") ? s["minimum"].get<int64_t>() : s.contains("exclusiveMinimum") ? s["exclusiveMinimum"].get<int64_t>() + 1 : INT64_MIN;
    int64_t hi = s.contains("maximum") ? s["maximum"].get<int64_t>() : s.contains("exclusiveMaximum") ? s["exclusiveMaximum"].get<int64_t>() - 1 : INT64_MAX;
    if (lo == INT64_MIN) lo = (hi == INT64_MAX ? 0 : hi) - 1000;
    if (hi == INT64_MAX) hi = lo + 1000;
    return {lo, hi};
  }

  ojson integer_instance(const ojson& s) {
    auto [lo, hi] = integer_bounds(s);
    return between(lo, hi);
  }

  ojson number_instance(const ojson& s) {
    // k / 4 (so it prints exactly), within the bounds: compare 4x with 4*bound as integers.
    int64_t lo4 = s.contains("minimum") ? 4 * s["minimum"].get<int64_t>() : s.contains("exclusiveMinimum") ? 4 * s["exclusiveMinimum"].get<int64_t>() + 1 : INT64_MIN;
    int64_t hi4 = s.contains("maximum") ? 4 * s["maximum"].get<int64_t>() : s.contains("exclusiveMaximum") ? 4 * s["exclusiveMaximum"].get<int64_t>() - 1 : INT64_MAX;
    if (lo4 == INT64_MIN) lo4 = (hi4 == INT64_MAX ? 0 : hi4) - 4000;
    if (hi4 == INT64_MAX) hi4 = lo4 + 4000;
    int64_t k = between(lo4, hi4);
    if (k % 4 == 0 && coin()) return k / 4;
    return double(k) / 4.0;
  }

  ojson object_instance(const ojson& s, const ojson& root, int depth) {
    ojson out = ojson::object();
    ojson required = s.value("required", ojson::array());
    if (s.contains("properties")) {
      for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
        bool req = std::find(required.begin(), required.end(), it.key()) != required.end();
        if (req || coin()) out[it.key()] = instance(it.value(), root, depth + 1);
      }
    }
    if (s.contains("additionalProperties") && s["additionalProperties"] != false && coin()) {
      const ojson& extra = s["additionalProperties"];
      out["zextra"] = extra.is_object() ? instance(extra, root, depth + 1) : small_value();
    }
    return out;
  }

  ojson array_instance(const ojson& s, const ojson& root, int depth) {
    ojson prefix = s.value("prefixItems", ojson::array());
    bool more = !(s.contains("items") && s["items"] == false);
    size_t lo = s.value("minItems", size_t{0});
    size_t hi = s.value("maxItems", lo + 3);
    if (!more) hi = std::min(hi, prefix.size());
    size_t n = size_t(between(int64_t(lo), int64_t(std::max(lo, hi))));
    if (depth > 6) n = lo;
    ojson out = ojson::array();
    for (size_t i = 0; i < n; ++i) {
      if (i < prefix.size()) {
        out.push_back(instance(prefix[i], root, depth + 1));
      } else {
        out.push_back(s.contains("items") ? instance(s["items"], root, depth + 1) : small_value());
      }
    }
    return out;
  }

  void collect(ojson& v, std::vector<ojson*>& out) {
    out.push_back(&v);
    if (v.is_structured()) {
      for (ojson& child : v) collect(child, out);
    }
  }

  ojson scalar() {
    switch (pick(14)) {
      case 0: return {{"type", "string"}};
      case 1: {
        int64_t lo = between(0, 3);
        return {{"type", "string"}, {"minLength", lo}, {"maxLength", lo + between(0, 5)}};
      }
      case 2: return {{"type", "string"}, {"pattern", pattern_cases()[pick(pattern_cases().size())].pattern}};
      case 3: {
        static const char* kFormats[] = {"date", "time", "date-time", "uuid", "email"};
        return {{"type", "string"}, {"format", kFormats[pick(5)]}};
      }
      case 4: return {{"enum", ojson::array({"red", "green", 3, nullptr, ojson{{"k", ojson::array({1, 2})}}})}};
      case 5: return {{"const", "fixed \"value\""}};
      case 6:
      case 7: {
        ojson s = {{"type", "integer"}};
        int64_t a = between(-2000, 2000), b = a + between(0, 3000);
        int which = int(pick(4));
        if (which != 1) s[coin(0.2) ? "exclusiveMinimum" : "minimum"] = a;
        if (which != 0) s[coin(0.2) ? "exclusiveMaximum" : "maximum"] = b + (which == 3 ? 2 : 0);
        return s;
      }
      case 8: {
        ojson s = {{"type", "number"}};
        int64_t a = between(-20, 20), b = a + between(1, 30);
        int which = int(pick(3));
        if (which != 1) s[coin(0.3) ? "exclusiveMinimum" : "minimum"] = a;
        if (which != 0) s[coin(0.3) ? "exclusiveMaximum" : "maximum"] = b;
        return s;
      }
      case 9: return {{"type", coin() ? "number" : "integer"}};
      case 10: return {{"type", "boolean"}};
      case 11: return {{"type", "null"}};
      case 12: return {{"type", ojson::array({"string", "null"})}, {"maxLength", 4}};
      default: return {{"type", "integer"}, {"nullable", true}, {"minimum", 0}};
    }
  }

  ojson object_node(int depth, const std::string& prefix) {
    static const char* kNames[] = {"id", "name", "a b", "caf\xc3\xa9", "x/y", "quote\"d", "tags", "value", "n"};
    ojson props = ojson::object();
    ojson required = ojson::array();
    size_t n = pick(5);
    for (size_t i = 0; i < n; ++i) {
      std::string name = prefix + kNames[pick(std::size(kNames))];
      if (props.contains(name)) continue;
      props[name] = node(depth + 1);
      if (coin(0.6)) required.push_back(name);
    }
    ojson s = {{"type", "object"}, {"properties", props}};
    if (!required.empty()) s["required"] = required;
    switch (pick(4)) {
      case 0: s["additionalProperties"] = false; break;
      case 1: s["additionalProperties"] = true; break;
      case 2: s["additionalProperties"] = ojson{{"type", "integer"}, {"minimum", 0}, {"maximum", 9}}; break;
      default: break;
    }
    return s;
  }

  ojson node(int depth) {
    size_t kind = depth >= 3 ? 0 : pick(9);
    switch (kind) {
      case 1:
      case 2: return object_node(depth, "");
      case 3: {
        ojson s = {{"type", "array"}, {"items", node(depth + 1)}};
        int64_t lo = between(0, 2);
        if (coin()) s["minItems"] = lo;
        if (coin()) s["maxItems"] = lo + between(0, 3);
        return s;
      }
      case 4: {
        ojson s = {{"type", "array"}, {"prefixItems", ojson::array({scalar(), scalar()})}};
        if (coin()) s["items"] = false;
        if (coin()) s["minItems"] = 1;
        return s;
      }
      case 5: return {{"anyOf", ojson::array({node(depth + 1), node(depth + 1)})}};
      case 6:
        // Members of different types, so exactly one matches.
        return {{"oneOf", ojson::array({ojson{{"type", "string"}, {"maxLength", 3}}, ojson{{"type", "boolean"}},
                                        object_node(depth + 1, "o")})}};
      case 7: {
        std::string name = "d" + std::to_string(defs_.size());
        defs_[name] = nullptr;  // taken now, so definitions made inside get other names
        if (coin()) {
          // A recursive list: {value, next: null | the same}.
          defs_[name] = {{"type", "object"},
                         {"properties", {{"value", scalar()}, {"next", {{"anyOf", ojson::array({ojson{{"type", "null"}}, ojson{{"$ref", "#/$defs/" + name}}})}}}}},
                         {"required", ojson::array({"value", "next"})},
                         {"additionalProperties", false}};
        } else {
          defs_[name] = node(depth + 1);
        }
        return {{"$ref", "#/$defs/" + name}};
      }
      case 8: {
        // Members without additionalProperties: with it, each would forbid the other's keys.
        ojson a = object_node(depth + 1, "p"), b = object_node(depth + 1, "q");
        a.erase("additionalProperties");
        b.erase("additionalProperties");
        return {{"allOf", ojson::array({a, b})}};
      }
      default: return scalar();
    }
  }

  std::mt19937_64 rng_;
  ojson defs_;
};

}  // namespace herd::testing
