// An independent JSON schema validator for the tests: it checks an instance against a schema
// the way the JSON Schema specification (2020-12 validation vocabulary, plus draft-4 forms and
// OpenAPI's nullable) defines it, for the keywords herd's compiler supports. It shares no code
// with src/grammar (so a compiler bug cannot hide behind the same bug here): additionalProperties
// defaults to true, oneOf means exactly one, lengths count code points, "pattern" runs through
// std::wregex (ECMAScript) anywhere in the string, and formats are checked from RFC 3339 and
// RFC 4122 (email: the practical subset json_schema_gbnf.h documents). Unknown keywords fail
// validation, so a test cannot pass by ignoring one. Limits of its own: numbers compare as
// doubles (a 17-digit fraction next to an exclusive bound can round onto it), and std::wregex
// classifies \s \w outside ASCII by the C locale (the random walks keep mostly to ASCII).
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <regex>
#include <iterator>
#include <string>
#include <utility>

namespace herd::testing {

class JsonSchemaValidator {
 public:
  explicit JsonSchemaValidator(nlohmann::json root) : root_(std::move(root)) {}

  // "" when `instance` is valid, else the first failure: "at /ptr: why".
  std::string validate(const nlohmann::json& instance) const { return check(root_, instance, "", 0); }

 private:
  using json = nlohmann::json;

  static std::string fail(const std::string& at, const std::string& why) { return "at " + (at.empty() ? "/" : at) + ": " + why; }

  static bool is_integer(const json& v) {
    if (v.is_number_integer()) return true;
    return v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>();
  }

  static bool has_type(const json& v, const std::string& t) {
    if (t == "null") return v.is_null();
    if (t == "boolean") return v.is_boolean();
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "number") return v.is_number();
    if (t == "integer") return v.is_number() && is_integer(v);
    return false;
  }

  static std::u32string code_points(const std::string& s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
      char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
      for (int k = 1; k <= extra && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      out.push_back(cp);
      i += size_t(extra) + 1;
    }
    return out;
  }

  static bool digits(const std::string& s, size_t at, size_t n) {
    if (at + n > s.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  }
  static int num(const std::string& s, size_t at, size_t n) { return std::stoi(s.substr(at, n)); }

  // RFC 3339 full-date, with the days of each month (February 29 in Gregorian leap years).
  static bool valid_date(const std::string& s) {
    if (s.size() != 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2)) return false;
    int y = num(s, 0, 4), m = num(s, 5, 2), d = num(s, 8, 2);
    if (m < 1 || m > 12 || d < 1) return false;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  }

  // RFC 3339 full-time: partial-time time-offset (leap second 60 accepted, as the RFC allows).
  static bool valid_time(const std::string& s) {
    if (s.size() < 9 || !digits(s, 0, 2) || s[2] != ':' || !digits(s, 3, 2) || s[5] != ':' || !digits(s, 6, 2)) return false;
    if (num(s, 0, 2) > 23 || num(s, 3, 2) > 59 || num(s, 6, 2) > 60) return false;
    size_t i = 8;
    if (i < s.size() && s[i] == '.') {
      size_t start = ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == start) return false;
    }
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      return s.size() == i + 6 && digits(s, i + 1, 2) && s[i + 3] == ':' && digits(s, i + 4, 2) &&
             num(s, i + 1, 2) <= 23 && num(s, i + 4, 2) <= 59;
    }
    return false;
  }

  static bool valid_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < 36; ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (s[i] == '-')) return false;
      if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  }

  static bool valid_email(const std::string& s) {
    size_t at = s.find('@');
    if (at == std::string::npos || at == 0 || at > 64 || s.find('@', at + 1) != std::string::npos) return false;
    const std::string local = s.substr(0, at);
    const std::string domain = s.substr(at + 1);
    const std::string atext = "!#$%&'*+/=?^_`{|}~-";
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos) return false;
    for (char c : local) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && atext.find(c) == std::string::npos) return false;
    }
    size_t labels = 0;
    size_t start = 0;
    while (true) {
      size_t dot = domain.find('.', start);
      std::string label = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
      for (char c : label) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
      }
      ++labels;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return labels >= 2;
  }

  static bool valid_format(const std::string& format, const std::string& s) {
    if (format == "date") return valid_date(s);
    if (format == "time") return valid_time(s);
    if (format == "date-time") {
      size_t t = s.find_first_of("Tt");
      return t == 10 && valid_date(s.substr(0, 10)) && valid_time(s.substr(11));
    }
    if (format == "uuid") return valid_uuid(s);
    if (format == "email") return valid_email(s);
    return false;
  }

  // "#/a/b" with %XX and ~0 ~1 decoded.
  const json* resolve(const std::string& ref) const {
    if (ref.empty() || ref[0] != '#') return nullptr;
    std::string decoded;
    for (size_t i = 1; i < ref.size(); ++i) {
      if (ref[i] == '%' && i + 2 < ref.size()) {
        decoded += char(std::stoi(ref.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        decoded += ref[i];
      }
    }
    try {
      return &root_.at(json::json_pointer(decoded));
    } catch (const json::exception&) {
      return nullptr;
    }
  }

  std::string check(const json& schema, const json& v, const std::string& at, int depth) const {
    if (depth > 200) return fail(at, "schema recursion too deep");
    if (schema.is_boolean()) return schema.get<bool>() ? "" : fail(at, "schema false");
    if (!schema.is_object()) return fail(at, "schema is not an object");
    static const char* kKnown[] = {"title", "description", "default", "examples", "$schema", "$id", "$comment",
                                   "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "type", "nullable",
                                   "enum", "const", "$ref", "anyOf", "oneOf", "allOf", "properties", "required",
                                   "additionalProperties", "items", "prefixItems", "additionalItems", "minItems",
                                   "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
                                   "exclusiveMinimum", "exclusiveMaximum"};
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      if (std::find(std::begin(kKnown), std::end(kKnown), it.key()) == std::end(kKnown)) {
        return fail(at, "validator does not know keyword " + it.key());
      }
    }
    bool nullable = schema.value("nullable", false);
    if (nullable && v.is_null()) return "";
    if (schema.contains("$ref")) {
      const json* target = resolve(schema["$ref"].get<std::string>());
      if (target == nullptr) return fail(at, "unresolvable $ref");
      std::string r = check(*target, v, at, depth + 1);
      if (!r.empty()) return r;
    }
    if (schema.contains("type")) {
      const json& t = schema["type"];
      bool ok = false;
      if (t.is_string()) ok = has_type(v, t.get<std::string>());
      if (t.is_array()) {
        for (const json& one : t) ok = ok || has_type(v, one.get<std::string>());
      }
      if (!ok) return fail(at, "type is not " + t.dump());
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const json& e : schema["enum"]) found = found || e == v;
      if (!found) return fail(at, "not in enum");
    }
    if (schema.contains("const") && schema["const"] != v) return fail(at, "not the const value");
    if (schema.contains("allOf")) {
      for (const json& s : schema["allOf"]) {
        std::string r = check(s, v, at, depth + 1);
        if (!r.empty()) return r;
      }
    }
    if (schema.contains("anyOf")) {
      bool any = false;
      for (const json& s : schema["anyOf"]) any = any || check(s, v, at, depth + 1).empty();
      if (!any) return fail(at, "matches no anyOf member");
    }
    if (schema.contains("oneOf")) {
      int n = 0;
      for (const json& s : schema["oneOf"]) n += check(s, v, at, depth + 1).empty() ? 1 : 0;
      if (n != 1) return fail(at, "matches " + std::to_string(n) + " oneOf members, not exactly one");
    }
    if (v.is_number()) {
      double x = v.get<double>();
      auto bound = [&](const char* key, bool lower) -> std::string {
        if (!schema.contains(key) || !schema[key].is_number()) return "";
        double b = schema[key].get<double>();
        bool exclusive = std::string(key).rfind("exclusive", 0) == 0;
        std::string draft4 = lower ? "exclusiveMinimum" : "exclusiveMaximum";
        if (!exclusive && schema.contains(draft4) && schema[draft4].is_boolean()) exclusive = schema[draft4].get<bool>();
        bool ok = lower ? (exclusive ? x > b : x >= b) : (exclusive ? x < b : x <= b);
        return ok ? "" : fail(at, std::string(key) + " violated by " + v.dump());
      };
      using KeySide = std::pair<const char*, bool>;
      for (auto [key, lower] : std::initializer_list<KeySide>{{"minimum", true}, {"exclusiveMinimum", true}, {"maximum", false}, {"exclusiveMaximum", false}}) {
        std::string r = bound(key, lower);
        if (!r.empty()) return r;
      }
    }
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      std::u32string cps = code_points(s);
      if (schema.contains("minLength") && cps.size() < schema["minLength"].get<size_t>()) return fail(at, "shorter than minLength");
      if (schema.contains("maxLength") && cps.size() > schema["maxLength"].get<size_t>()) return fail(at, "longer than maxLength");
      if (schema.contains("pattern")) {
        std::u32string p = code_points(schema["pattern"].get<std::string>());
        std::wregex re(std::wstring(p.begin(), p.end()), std::regex::ECMAScript);
        if (!std::regex_search(std::wstring(cps.begin(), cps.end()), re)) return fail(at, "does not match pattern");
      }
      if (schema.contains("format") && !valid_format(schema["format"].get<std::string>(), s)) {
        return fail(at, "not a valid " + schema["format"].get<std::string>());
      }
    }
    if (v.is_object()) {
      if (schema.contains("required")) {
        for (const json& name : schema["required"]) {
          if (!v.contains(name.get<std::string>())) return fail(at, "missing required " + name.get<std::string>());
        }
      }
      const json properties = schema.value("properties", json::object());
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::string sub = at + "/" + it.key();
        if (properties.contains(it.key())) {
          std::string r = check(properties[it.key()], it.value(), sub, depth + 1);
          if (!r.empty()) return r;
        } else if (schema.contains("additionalProperties")) {
          std::string r = check(schema["additionalProperties"], it.value(), sub, depth + 1);
          if (!r.empty()) return r;
        }
      }
    }
    if (v.is_array()) {
      if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) return fail(at, "fewer than minItems");
      if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) return fail(at, "more than maxItems");
      json prefix = schema.value("prefixItems", json::array());
      json rest = schema.value("items", json(true));
      if (rest.is_array()) {
        prefix = rest;
        rest = schema.value("additionalItems", json(true));
      }
      for (size_t i = 0; i < v.size(); ++i) {
        std::string r = check(i < prefix.size() ? prefix[i] : rest, v[i], at + "/" + std::to_string(i), depth + 1);
        if (!r.empty()) return r;
      }
    }
    return "";
  }

  json root_;
};

}  // namespace herd::testing
