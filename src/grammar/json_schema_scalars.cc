// Strings and numbers of the JSON schema compiler.
#include <algorithm>
#include <cmath>
#include <string_view>

#include "grammar/integer_range_gbnf.h"
#include "grammar/json_schema_compiler.h"
#include "grammar/json_value_gbnf.h"
#include "grammar/number_range_gbnf.h"
#include "grammar/regex_gbnf.h"
#include "grammar/string_format_gbnf.h"

namespace herd::grammar {
namespace {

// Number bounds beyond this are refused: the magnitudes must negate and step by one in int64.
constexpr double kMaxBound = 4611686018427387904.0;  // 2^62

struct Bound {
  bool present = false;
  double value = 0;  // exact for |value| <= 2^53; integers beyond come as int64 below
  int64_t exact = 0;
  bool is_exact_integer = false;
  bool exclusive = false;
};

// The bound from `keyword` (a number), or from a draft-4 boolean exclusive keyword applied to
// the plain one.
Result<Bound> read_bound(const SchemaJson& schema, const char* keyword, const char* exclusive_keyword,
                         const std::string& pointer) {
  Bound plain;
  Bound exclusive;
  bool draft4_exclusive = false;
  for (const char* key : {keyword, exclusive_keyword}) {
    auto it = schema.find(key);
    if (it == schema.end()) continue;
    if (key == exclusive_keyword && it->is_boolean()) {
      draft4_exclusive = it->get<bool>();
      continue;
    }
    if (!it->is_number()) return schema_error(key, pointer, "must be a number");
    Bound b;
    b.present = true;
    b.value = it->get<double>();
    if (!(std::fabs(b.value) <= kMaxBound)) return schema_error(key, pointer, "out of the supported range (|x| <= 2^62)");
    if (it->is_number_integer()) {
      b.is_exact_integer = true;
      b.exact = it->is_number_unsigned() ? int64_t(it->get<uint64_t>()) : it->get<int64_t>();
    } else if (b.value == std::floor(b.value)) {
      b.is_exact_integer = true;
      b.exact = int64_t(b.value);
    }
    b.exclusive = key == exclusive_keyword;
    (key == keyword ? plain : exclusive) = b;
  }
  if (draft4_exclusive && plain.present) plain.exclusive = true;
  if (!exclusive.present) return plain;
  if (!plain.present) return exclusive;
  // Both: the stricter one (the exclusive one wins a tie). Which is stricter depends on the side.
  bool lower = std::string_view(keyword) == "minimum";
  bool exclusive_stricter = lower ? exclusive.value >= plain.value : exclusive.value <= plain.value;
  return exclusive_stricter ? exclusive : plain;
}

}  // namespace

Result<uint32_t> JsonSchemaCompiler::count_keyword(const SchemaJson& schema, const char* keyword,
                                                   const std::string& pointer, uint32_t fallback) {
  auto it = schema.find(keyword);
  if (it == schema.end()) return fallback;
  bool integral = it->is_number_integer() || (it->is_number_float() && it->get<double>() == std::floor(it->get<double>()));
  if (!integral || it->get<double>() < 0) return schema_error(keyword, pointer, "must be a non-negative integer");
  if (it->get<double>() > double(limits_.max_enumerated)) {
    return schema_error(keyword, pointer, "over the limit of " + std::to_string(limits_.max_enumerated));
  }
  return uint32_t(it->get<double>());
}

Result<std::string> JsonSchemaCompiler::visit_string(const SchemaJson& schema, const std::string& pointer,
                                                     std::string_view hint) {
  constexpr uint32_t kUnbounded = UINT32_MAX;
  HERD_ASSIGN_OR_RETURN(uint32_t min_length, count_keyword(schema, "minLength", pointer, 0));
  HERD_ASSIGN_OR_RETURN(uint32_t max_length, count_keyword(schema, "maxLength", pointer, kUnbounded));
  bool has_length = schema.contains("minLength") || schema.contains("maxLength");
  std::string quote = gbnf_literal("\"");
  std::string contents;
  if (auto it = schema.find("pattern"); it != schema.end()) {
    // Intersecting a regex with a length is not done: refuse rather than enforce one of them.
    if (has_length) return schema_error(schema.contains("minLength") ? "minLength" : "maxLength", pointer, "together with pattern is not supported");
    if (schema.contains("format")) return schema_error("format", pointer, "together with pattern is not supported");
    if (!it->is_string()) return schema_error("pattern", pointer, "must be a string");
    Result<std::string> expr = regex_to_gbnf(it->get<std::string>(), writer_);
    if (!expr.ok()) return schema_error("pattern", pointer, expr.status().message());
    contents = *expr;
  } else if (auto f = schema.find("format"); f != schema.end()) {
    if (has_length) return schema_error(schema.contains("minLength") ? "minLength" : "maxLength", pointer, "together with format is not supported");
    if (!f->is_string()) return schema_error("format", pointer, "must be a string");
    Result<std::string> rule = string_format_gbnf(f->get<std::string>(), writer_);
    if (!rule.ok()) return schema_error("format", pointer, rule.status().message());
    contents = *rule;
  } else {
    if (min_length > max_length) return schema_error("minLength", pointer, "more than maxLength");
    std::string ch = json_char_rule(writer_);
    if (max_length == kUnbounded) {
      contents = ch + (min_length == 0 ? "*" : "{" + std::to_string(min_length) + ",}");
    } else if (max_length == 0) {
      contents = "";
    } else {
      contents = ch + "{" + std::to_string(min_length) + (min_length == max_length ? "" : "," + std::to_string(max_length)) + "}";
    }
    if (!has_length) return json_string_rule(writer_);
  }
  return writer_.add(std::string(hint) + "-string", quote + (contents.empty() ? "" : " " + contents) + " " + quote);
}

Result<std::string> JsonSchemaCompiler::visit_number(const SchemaJson& schema, const std::string& pointer,
                                                     std::string_view hint, bool integer) {
  HERD_ASSIGN_OR_RETURN(Bound lo, read_bound(schema, "minimum", "exclusiveMinimum", pointer));
  HERD_ASSIGN_OR_RETURN(Bound hi, read_bound(schema, "maximum", "exclusiveMaximum", pointer));
  const char* lo_keyword = lo.exclusive ? "exclusiveMinimum" : "minimum";
  const char* hi_keyword = hi.exclusive ? "exclusiveMaximum" : "maximum";
  if (integer) {
    if (!lo.present && !hi.present) return json_integer_rule(writer_);
    // The integers in the bounds: round inward, step over an exclusive integer bound.
    int64_t first = -kOpenIntegerBound;
    int64_t last = kOpenIntegerBound;
    if (lo.present) {
      first = lo.is_exact_integer ? lo.exact + (lo.exclusive ? 1 : 0) : int64_t(std::ceil(lo.value));
    }
    if (hi.present) {
      last = hi.is_exact_integer ? hi.exact - (hi.exclusive ? 1 : 0) : int64_t(std::floor(hi.value));
    }
    if (!hi.present) last = std::max(last, first);
    if (!lo.present) first = std::min(first, last);
    if (first > last) return schema_error(lo_keyword, pointer, std::string("no integer is within it and ") + hi_keyword);
    return writer_.add(std::string(hint) + "-int", integer_range_gbnf(first, last));
  }
  if (!lo.present && !hi.present) return json_number_rule(writer_);
  if (lo.present && !lo.is_exact_integer) return schema_error(lo_keyword, pointer, "only integer bounds are supported on numbers");
  if (hi.present && !hi.is_exact_integer) return schema_error(hi_keyword, pointer, "only integer bounds are supported on numbers");
  std::string range = number_range_gbnf(NumberBound{lo.present, lo.exact, lo.exclusive}, NumberBound{hi.present, hi.exact, hi.exclusive});
  if (range.empty()) return schema_error(lo_keyword, pointer, std::string("no number is within it and ") + hi_keyword);
  return writer_.add(std::string(hint) + "-number", range);
}

}  // namespace herd::grammar
