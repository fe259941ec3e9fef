#include "grammar/json_schema_gbnf.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/json_schema_compiler.h"
#include "grammar/json_schema_merge.h"
#include "grammar/json_schema_refs.h"
#include "grammar/json_value_gbnf.h"

namespace herd::grammar {
namespace {

// Keywords that say something about a schema without constraining its values.
// discriminator (OpenAPI) only names the property that already tells oneOf members apart.
constexpr std::array<std::string_view, 15> kAnnotations = {
    "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly",
    "$defs", "definitions", "discriminator", "contentEncoding", "contentMediaType"};
constexpr std::array<std::string_view, 24> kAssertions = {
    "type", "nullable", "enum", "const", "$ref", "anyOf", "oneOf", "allOf", "properties", "required",
    "additionalProperties", "items", "prefixItems", "additionalItems", "minItems", "maxItems", "minLength",
    "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};

template <size_t N>
bool one_of(std::string_view key, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), key) != set.end();
}

// The schema without `drop` and without annotations: what still constrains next to a $ref,
// anyOf or enum.
SchemaJson rest_of(const SchemaJson& schema, std::initializer_list<std::string_view> drop) {
  SchemaJson rest = SchemaJson::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (one_of(it.key(), kAnnotations) || std::find(drop.begin(), drop.end(), it.key()) != drop.end()) continue;
    rest[it.key()] = it.value();
  }
  return rest;
}

// "a | b | c", each alternative once.
std::string alternation_body(const std::vector<std::string>& alts) {
  std::vector<std::string> distinct;
  for (const std::string& a : alts) {
    if (std::find(distinct.begin(), distinct.end(), a) == distinct.end()) distinct.push_back(a);
  }
  return gbnf_alternatives(distinct);
}

// Whether a JSON value (an enum or const value) nests deeper than `limit`.
bool deeper_than(const SchemaJson& v, size_t limit) {
  if (!v.is_structured()) return false;
  if (limit == 0) return true;
  for (const SchemaJson& child : v) {
    if (deeper_than(child, limit - 1)) return true;
  }
  return false;
}

bool value_has_type(const SchemaJson& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_boolean();
  if (type == "string") return v.is_string();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    double d = v.is_number_float() ? v.get<double>() : 0.5;
    return std::floor(d) == d && std::fabs(d) < 9e18;
  }
  return false;
}

}  // namespace

bool is_schema_annotation(std::string_view keyword) { return one_of(keyword, kAnnotations); }

Status schema_error(std::string_view keyword, std::string_view pointer, std::string_view why) {
  return invalid_argument("JSON schema keyword '" + std::string(keyword) + "' at #" + std::string(pointer) + ": " +
                          std::string(why));
}

Status schema_unsupported(std::string_view keyword, std::string_view pointer) {
  return invalid_argument("JSON schema keyword '" + std::string(keyword) + "' at #" + std::string(pointer) +
                          " is not supported");
}

JsonSchemaCompiler::JsonSchemaCompiler(const SchemaJson& root, const JsonSchemaLimits& limits, GbnfWriter& writer)
    : root_(root), limits_(limits), writer_(writer), merge_budget_(kMaxMergeCopiedValues) {
  reserve_json_rule_names(writer_);
}

Status JsonSchemaCompiler::check_grammar_size() const {
  if (writer_.n_bytes() <= GbnfLimits().max_text_bytes) return Status::ok_status();
  return invalid_argument("JSON schema compiles to more than " + std::to_string(GbnfLimits().max_text_bytes) +
                          " bytes of grammar");
}

Result<std::string> JsonSchemaCompiler::compile(std::string_view hint) {
  HERD_ASSIGN_OR_RETURN(std::string top, visit(root_, "", hint));
  HERD_RETURN_IF_ERROR(check_grammar_size());
  return top;
}

Result<std::string> JsonSchemaCompiler::visit(const SchemaJson& schema, const std::string& pointer,
                                              std::string_view hint) {
  if (++n_nodes_ > limits_.max_schema_nodes) {
    return invalid_argument("JSON schema has more than " + std::to_string(limits_.max_schema_nodes) + " sub-schemas");
  }
  if (depth_ >= limits_.max_depth) {
    return invalid_argument("JSON schema at #" + pointer + " is nested deeper than " + std::to_string(limits_.max_depth));
  }
  HERD_RETURN_IF_ERROR(check_grammar_size());
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return json_value_rule(writer_);
    return invalid_argument("JSON schema at #" + pointer + " is false: no value can match it");
  }
  if (!schema.is_object()) return invalid_argument("JSON schema at #" + pointer + " must be an object or a boolean");
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (!one_of(it.key(), kAnnotations) && !one_of(it.key(), kAssertions)) return schema_unsupported(it.key(), pointer);
  }
  ++depth_;
  Result<std::string> rule = visit_object_schema(schema, pointer, hint);
  --depth_;
  return rule;
}

Result<std::string> JsonSchemaCompiler::visit_object_schema(const SchemaJson& schema, const std::string& pointer,
                                                            std::string_view hint) {
  bool nullable = false;
  if (auto it = schema.find("nullable"); it != schema.end()) {
    if (!it->is_boolean()) return schema_error("nullable", pointer, "must be true or false");
    nullable = it->get<bool>();
  }
  auto with_null = [&](Result<std::string> rule) -> Result<std::string> {
    if (!rule.ok() || !nullable) return rule;
    return writer_.add(hint, *rule + " | " + json_null_rule(writer_));
  };
  if (schema.contains("$ref")) {
    SchemaJson rest = rest_of(schema, {"$ref", "nullable"});
    if (rest.empty()) return with_null(visit_ref(schema, pointer, hint));
    // Constraints next to a $ref apply too: compile both as one allOf.
    SchemaJson both = {{"allOf", SchemaJson::array({rest, SchemaJson{{"$ref", schema["$ref"]}}})}};
    return with_null(visit(both, pointer, hint));
  }
  if (schema.contains("allOf")) {
    HERD_ASSIGN_OR_RETURN(SchemaJson merged, merge_all_of(root_, schema, pointer, limits_.max_depth, merge_budget_));
    return with_null(visit(merged, pointer + "/allOf", hint));
  }
  if (schema.contains("anyOf") || schema.contains("oneOf")) return with_null(visit_any_of(schema, pointer, hint));
  if (schema.contains("enum") || schema.contains("const")) return visit_enum(schema, pointer, hint);

  std::vector<std::string> types;
  if (auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string()) {
      types.push_back(it->get<std::string>());
    } else if (it->is_array() && !it->empty()) {
      for (const SchemaJson& t : *it) {
        if (!t.is_string()) return schema_error("type", pointer, "must be a string or a list of strings");
        types.push_back(t.get<std::string>());
      }
    } else {
      return schema_error("type", pointer, "must be a string or a non-empty list of strings");
    }
  } else {
    // No type: the types whose keywords appear (a narrower grammar than JSON schema's, where
    // other types would pass), or any value.
    auto has_any = [&](std::initializer_list<const char*> keys) {
      return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return schema.contains(k); });
    };
    if (has_any({"properties", "required", "additionalProperties"})) types.push_back("object");
    if (has_any({"items", "prefixItems", "additionalItems", "minItems", "maxItems"})) types.push_back("array");
    if (has_any({"minLength", "maxLength", "pattern", "format"})) types.push_back("string");
    if (has_any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) types.push_back("number");
    if (types.empty()) return json_value_rule(writer_);
  }
  if (nullable) types.push_back("null");
  std::vector<std::string> alts;
  for (const std::string& type : types) {
    HERD_ASSIGN_OR_RETURN(std::string rule, visit_type(type, schema, pointer, hint));
    alts.push_back(rule);
  }
  if (alts.size() == 1) return alts[0];
  return writer_.add(hint, alternation_body(alts));
}

Result<std::string> JsonSchemaCompiler::visit_type(std::string_view type, const SchemaJson& schema,
                                                   const std::string& pointer, std::string_view hint) {
  if (type == "string") return visit_string(schema, pointer, hint);
  if (type == "integer") return visit_number(schema, pointer, hint, /*integer=*/true);
  if (type == "number") return visit_number(schema, pointer, hint, /*integer=*/false);
  if (type == "boolean") return json_boolean_rule(writer_);
  if (type == "null") return json_null_rule(writer_);
  if (type == "object") return visit_object(schema, pointer, hint);
  if (type == "array") return visit_array(schema, pointer, hint);
  return schema_error("type", pointer, "unknown type '" + std::string(type) + "'");
}

Result<std::string> JsonSchemaCompiler::visit_ref(const SchemaJson& schema, const std::string& pointer,
                                                  std::string_view hint) {
  const SchemaJson& ref = schema["$ref"];
  if (!ref.is_string()) return schema_error("$ref", pointer, "must be a string");
  std::string target_pointer = ref.get<std::string>();
  if (auto it = ref_rules_.find(target_pointer); it != ref_rules_.end()) return it->second;
  Result<const SchemaJson*> target = resolve_schema_ref(root_, target_pointer);
  if (!target.ok()) return schema_error("$ref", pointer, target.status().message());
  // Named before it is compiled, so a schema that refers to itself compiles to a recursive rule.
  std::string last = target_pointer.substr(target_pointer.rfind('/') + 1);
  std::string name = writer_.fresh_name(last.empty() || last == "#" ? std::string(hint) : last);
  ref_rules_.emplace(target_pointer, name);
  HERD_ASSIGN_OR_RETURN(std::string body, visit(**target, target_pointer.substr(1), name));
  writer_.define(name, body);
  return name;
}

Result<std::string> JsonSchemaCompiler::visit_any_of(const SchemaJson& schema, const std::string& pointer,
                                                     std::string_view hint) {
  if (schema.contains("anyOf") && schema.contains("oneOf")) return schema_error("oneOf", pointer, "next to anyOf");
  const char* keyword = schema.contains("anyOf") ? "anyOf" : "oneOf";
  const SchemaJson& members = schema[keyword];
  if (!members.is_array() || members.empty()) return schema_error(keyword, pointer, "must be a non-empty list of schemas");
  // Constraints next to anyOf apply to every member: {A, anyOf: [B, C]} = anyOf: [A and B, A and C].
  SchemaJson rest = rest_of(schema, {keyword, "nullable"});
  std::vector<std::string> alts;
  for (size_t i = 0; i < members.size(); ++i) {
    std::string member_pointer = pointer + "/" + keyword + "/" + std::to_string(i);
    Result<std::string> rule = rest.empty()
        ? visit(members[i], member_pointer, hint)
        : visit(SchemaJson{{"allOf", SchemaJson::array({rest, members[i]})}}, member_pointer, hint);
    if (!rule.ok()) return rule.status();
    alts.push_back(*rule);
  }
  if (alts.size() == 1) return alts[0];
  return writer_.add(hint, alternation_body(alts));
}

Result<std::string> JsonSchemaCompiler::visit_enum(const SchemaJson& schema, const std::string& pointer,
                                                   std::string_view hint) {
  const char* keyword = schema.contains("const") ? "const" : "enum";
  if (schema.contains("const") && schema.contains("enum")) return schema_error("enum", pointer, "next to const");
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (one_of(it.key(), kAnnotations) || it.key() == keyword || it.key() == "type" || it.key() == "nullable") continue;
    return schema_error(it.key(), pointer, std::string("next to ") + keyword + " is not supported");
  }
  SchemaJson values = keyword == std::string_view("const") ? SchemaJson::array({schema["const"]}) : schema["enum"];
  if (!values.is_array() || values.empty()) return schema_error(keyword, pointer, "must be a non-empty list");
  if (values.size() > limits_.max_enumerated) {
    return schema_error(keyword, pointer, "more than " + std::to_string(limits_.max_enumerated) + " values");
  }
  std::vector<std::string> types;
  if (auto it = schema.find("type"); it != schema.end()) {
    if (it->is_string()) types.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const SchemaJson& t : *it) types.push_back(t.is_string() ? t.get<std::string>() : "");
    }
    if (types.empty()) return schema_error("type", pointer, "must be a string or a list of strings");
  }
  bool nullable = schema.contains("nullable") && schema["nullable"] == true;
  std::vector<std::string> alts;
  for (const SchemaJson& v : values) {
    // A value the type excludes can never match; the others are matched as written.
    bool typed = types.empty() || std::any_of(types.begin(), types.end(), [&](const std::string& t) {
                   return value_has_type(v, t);
                 });
    if (!typed && !(nullable && v.is_null())) continue;
    if (deeper_than(v, limits_.max_depth)) return schema_error(keyword, pointer, "a value nested too deep");
    std::string text;
    try {
      text = v.dump(-1, ' ', false, nlohmann::detail::error_handler_t::strict);
    } catch (const nlohmann::json::exception&) {
      return schema_error(keyword, pointer, "a value that is not valid UTF-8");
    }
    alts.push_back(gbnf_literal(text));
  }
  if (nullable) alts.push_back(json_null_rule(writer_));
  if (alts.empty()) return schema_error(keyword, pointer, "no value has the schema's type");
  return writer_.add(hint, alternation_body(alts));
}

namespace {

bool is_rule_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::string> schemas_to_rules(const std::vector<NamedJsonSchema>& schemas, std::string_view prefix,
                                     const JsonSchemaLimits& limits) {
  if (!is_rule_name(prefix)) return invalid_argument("schema rule prefix '" + std::string(prefix) + "' must be [a-zA-Z0-9-]+");
  GbnfWriter writer{std::string(prefix)};
  for (const NamedJsonSchema& named : schemas) {
    if (!is_rule_name(named.rule) || named.rule == "root" || named.rule.rfind(prefix, 0) == 0 || writer.defined(named.rule)) {
      return invalid_argument("schema rule name '" + named.rule + "' must be [a-zA-Z0-9-]+, unique, not 'root' and not start with '" +
                              std::string(prefix) + "'");
    }
    JsonSchemaCompiler compiler(named.schema, limits, writer);
    Result<std::string> top = compiler.compile(named.rule);
    if (!top.ok()) return top.status().with_context("schema for '" + named.rule + "'");
    writer.define(named.rule, *top);
  }
  return writer.text();
}

// The boundary of the library: a JSON access the checks above missed must not escape as an
// exception (none is known; the fuzz target would trap on one).
template <typename F>
Result<std::string> without_exceptions(F&& compile) {
  try {
    return compile();
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("JSON schema: ") + e.what());
  }
}

}  // namespace

Result<std::string> json_schema_to_gbnf(const nlohmann::ordered_json& schema, const JsonSchemaLimits& limits) {
  return without_exceptions([&]() -> Result<std::string> {
    GbnfWriter writer;
    JsonSchemaCompiler compiler(schema, limits, writer);
    HERD_ASSIGN_OR_RETURN(std::string top, compiler.compile("root-value"));
    writer.define("root", top);
    return writer.text();
  });
}

Result<std::string> json_schemas_to_gbnf_rules(const std::vector<NamedJsonSchema>& schemas, std::string_view prefix,
                                               const JsonSchemaLimits& limits) {
  return without_exceptions([&]() { return schemas_to_rules(schemas, prefix, limits); });
}

Result<std::string> json_schema_to_gbnf(const nlohmann::json& schema, const JsonSchemaLimits& limits) {
  return json_schema_to_gbnf(nlohmann::ordered_json(schema), limits);
}

std::string json_object_gbnf() {
  GbnfWriter writer;
  writer.define("root", json_object_rule(writer));
  return writer.text();
}

Result<Grammar> compile_json_schema(const nlohmann::ordered_json& schema, const JsonSchemaLimits& limits) {
  HERD_ASSIGN_OR_RETURN(std::string gbnf, json_schema_to_gbnf(schema, limits));
  Result<Grammar> grammar = parse_gbnf(gbnf);
  if (!grammar.ok()) return grammar.status().with_context("JSON schema grammar");
  return grammar;
}

Result<Grammar> compile_json_schema(const nlohmann::json& schema, const JsonSchemaLimits& limits) {
  return compile_json_schema(nlohmann::ordered_json(schema), limits);
}

}  // namespace herd::grammar
