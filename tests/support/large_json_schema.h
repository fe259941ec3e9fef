// A large JSON schema for the compile-time test and bench/grammar/schema_compile.cc: hundreds
// of properties of every kind, nested $defs that refer to each other, a recursive definition.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace herd::testing {

inline nlohmann::ordered_json large_json_schema(int n_properties = 400, int n_defs = 40) {
  using ojson = nlohmann::ordered_json;
  ojson defs = ojson::object();
  for (int d = 0; d < n_defs; ++d) {
    ojson props = ojson::object();
    props["id"] = {{"type", "string"}, {"format", "uuid"}};
    props["count"] = {{"type", "integer"}, {"minimum", -d}, {"maximum", 1000 * (d + 1)}};
    props["when"] = {{"type", "string"}, {"format", "date-time"}};
    // Each definition refers to the previous one, so the chain nests through $ref.
    if (d > 0) props["parent"] = {{"$ref", "#/$defs/d" + std::to_string(d - 1)}};
    props["children"] = {{"type", "array"}, {"items", {{"$ref", "#/$defs/tree"}}}, {"maxItems", 8}};
    defs["d" + std::to_string(d)] = {{"type", "object"}, {"properties", props}, {"required", ojson::array({"id"})},
                                     {"additionalProperties", false}};
  }
  defs["tree"] = {{"type", "object"},
                  {"properties", {{"label", {{"type", "string"}, {"maxLength", 32}}}, {"kids", {{"type", "array"}, {"items", {{"$ref", "#/$defs/tree"}}}}}}},
                  {"required", ojson::array({"label"})}};
  ojson props = ojson::object();
  ojson required = ojson::array();
  for (int i = 0; i < n_properties; ++i) {
    std::string name = "field_" + std::to_string(i);
    ojson s;
    switch (i % 8) {
      case 0: s = {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}; break;
      case 1: s = {{"type", "integer"}, {"minimum", -i}, {"exclusiveMaximum", 10 * i + 7}}; break;
      case 2: s = {{"type", "number"}, {"minimum", 0}, {"maximum", i + 1}}; break;
      case 3: s = {{"enum", ojson::array({"alpha", "beta", "gamma", i})}}; break;
      case 4: s = {{"$ref", "#/$defs/d" + std::to_string(i % n_defs)}}; break;
      case 5: s = {{"type", "array"}, {"items", {{"type", "string"}, {"pattern", "^[A-Z]{2}-\\d{3,5}$"}}}, {"maxItems", 5}}; break;
      case 6: s = {{"anyOf", ojson::array({ojson{{"type", "null"}}, ojson{{"type", "boolean"}}, ojson{{"type", "string"}, {"format", "email"}}})}}; break;
      default: s = {{"type", ojson::array({"string", "null"})}, {"format", "date"}}; break;
    }
    props[name] = s;
    if (i % 3 == 0) required.push_back(name);
  }
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"type", "object"},
          {"properties", props},
          {"required", required},
          {"additionalProperties", false},
          {"$defs", defs}};
}

}  // namespace herd::testing
