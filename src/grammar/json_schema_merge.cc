#include "grammar/json_schema_merge.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "grammar/json_schema_refs.h"

namespace herd::grammar {
namespace {

bool is_lower_bound(std::string_view k) {
  return k == "minimum" || k == "exclusiveMinimum" || k == "minLength" || k == "minItems";
}
bool is_upper_bound(std::string_view k) {
  return k == "maximum" || k == "exclusiveMaximum" || k == "maxLength" || k == "maxItems";
}

std::vector<std::string> type_list(const SchemaJson& type) {
  std::vector<std::string> out;
  if (type.is_string()) out.push_back(type.get<std::string>());
  if (type.is_array()) {
    for (const SchemaJson& t : type) {
      if (t.is_string()) out.push_back(t.get<std::string>());
    }
  }
  return out;
}

// The types both lists allow ("integer" is a "number").
SchemaJson intersect_types(const SchemaJson& a, const SchemaJson& b) {
  SchemaJson out = SchemaJson::array();
  std::vector<std::string> tb = type_list(b);
  for (const std::string& t : type_list(a)) {
    for (const std::string& u : tb) {
      std::string both = t == u ? t : (t == "integer" && u == "number") || (t == "number" && u == "integer") ? "integer" : "";
      if (!both.empty() && std::find(out.begin(), out.end(), both) == out.end()) out.push_back(both);
    }
  }
  return out;
}

// additionalProperties of one side constrains the properties only the other side lists: they
// are "additional" to it. false refuses them; a schema joins theirs.
Status constrain_new_properties(SchemaJson& props, const SchemaJson& listed_by_other, const SchemaJson& other,
                                const std::string& pointer) {
  auto extra = other.find("additionalProperties");
  if (extra == other.end() || *extra == true) return Status::ok_status();
  for (auto p = props.begin(); p != props.end(); ++p) {
    if (listed_by_other.contains(p.key())) continue;
    if (*extra == false) {
      return schema_error("additionalProperties", pointer, "false in one allOf member excludes property '" + p.key() + "' of another");
    }
    p.value() = SchemaJson{{"allOf", SchemaJson::array({p.value(), *extra})}};
  }
  return Status::ok_status();
}

Status merge_into(SchemaJson& merged, const SchemaJson& member_in, const std::string& pointer) {
  SchemaJson member = member_in;
  if (merged.contains("properties") || member.contains("properties") || merged.contains("additionalProperties") ||
      member.contains("additionalProperties")) {
    SchemaJson mine = merged.value("properties", SchemaJson::object());
    SchemaJson theirs = member.value("properties", SchemaJson::object());
    if (!mine.is_object() || !theirs.is_object()) return schema_error("properties", pointer, "must be an object");
    HERD_RETURN_IF_ERROR(constrain_new_properties(theirs, mine, merged, pointer));
    HERD_RETURN_IF_ERROR(constrain_new_properties(mine, theirs, member, pointer));
    if (!mine.empty()) merged["properties"] = mine;
    if (!theirs.empty()) member["properties"] = theirs;
    if (merged.contains("additionalProperties") && member.contains("additionalProperties") &&
        merged["additionalProperties"] != member["additionalProperties"]) {
      const SchemaJson& a = merged["additionalProperties"];
      const SchemaJson& b = member["additionalProperties"];
      merged["additionalProperties"] = a == false || b == false ? SchemaJson(false)
                                       : a == true                ? b
                                       : b == true                ? a
                                                                  : SchemaJson{{"allOf", SchemaJson::array({a, b})}};
      member.erase("additionalProperties");
    }
  }
  for (auto it = member.begin(); it != member.end(); ++it) {
    const std::string& key = it.key();
    const SchemaJson& value = it.value();
    if (is_schema_annotation(key)) continue;
    if (!merged.contains(key)) {
      merged[key] = value;
      continue;
    }
    SchemaJson& have = merged[key];
    if (key == "properties" && have.is_object() && value.is_object()) {
      for (auto p = value.begin(); p != value.end(); ++p) {
        if (have.contains(p.key())) {
          have[p.key()] = SchemaJson{{"allOf", SchemaJson::array({have[p.key()], p.value()})}};
        } else {
          have[p.key()] = p.value();
        }
      }
    } else if (key == "required" && have.is_array() && value.is_array()) {
      for (const SchemaJson& name : value) {
        if (std::find(have.begin(), have.end(), name) == have.end()) have.push_back(name);
      }
    } else if (key == "type") {
      have = intersect_types(have, value);
      if (have.empty()) return schema_error("type", pointer, "allOf members allow no common type");
    } else if (key == "nullable" && have.is_boolean() && value.is_boolean()) {
      have = have.get<bool>() && value.get<bool>();
    } else if (is_lower_bound(key) && have.is_number() && value.is_number()) {
      if (value.get<double>() > have.get<double>()) have = value;
    } else if (is_upper_bound(key) && have.is_number() && value.is_number()) {
      if (value.get<double>() < have.get<double>()) have = value;
    } else if (have != value) {
      return schema_error(key, pointer, "allOf members disagree on it");
    }
  }
  return Status::ok_status();
}

// Charges the values of `v` to the budget (stopping once it is spent).
Status charge(const SchemaJson& v, size_t& budget, const std::string& pointer) {
  if (budget == 0) return invalid_argument("JSON schema allOf at #" + pointer + " makes too many copies to merge");
  --budget;
  if (v.is_structured()) {
    for (const SchemaJson& child : v) HERD_RETURN_IF_ERROR(charge(child, budget, pointer));
  }
  return Status::ok_status();
}

// A member as a plain schema: $ref followed (its siblings merged in), nested allOf flattened.
Result<SchemaJson> expand_member(const SchemaJson& root, const SchemaJson& member, const std::string& pointer,
                                 size_t depth_left, size_t& copy_budget) {
  if (depth_left == 0) return invalid_argument("JSON schema allOf at #" + pointer + " is nested too deep");
  HERD_RETURN_IF_ERROR(charge(member, copy_budget, pointer));
  if (member.is_boolean() && member.get<bool>()) return SchemaJson::object();
  if (!member.is_object()) return invalid_argument("JSON schema allOf member at #" + pointer + " must be an object");
  SchemaJson out = member;
  if (member.contains("$ref")) {
    if (!member["$ref"].is_string()) return schema_error("$ref", pointer, "must be a string");
    Result<const SchemaJson*> target = resolve_schema_ref(root, member["$ref"].get<std::string>());
    if (!target.ok()) return schema_error("$ref", pointer, target.status().message());
    out.erase("$ref");
    HERD_ASSIGN_OR_RETURN(SchemaJson expanded, expand_member(root, **target, pointer, depth_left - 1, copy_budget));
    HERD_RETURN_IF_ERROR(merge_into(out, expanded, pointer));
  }
  if (out.contains("allOf")) {
    HERD_ASSIGN_OR_RETURN(out, merge_all_of(root, out, pointer, depth_left - 1, copy_budget));
  }
  return out;
}

}  // namespace

Result<SchemaJson> merge_all_of(const SchemaJson& root, const SchemaJson& schema, const std::string& pointer,
                                size_t max_depth, size_t& copy_budget) {
  if (max_depth == 0) return invalid_argument("JSON schema allOf at #" + pointer + " is nested too deep");
  HERD_RETURN_IF_ERROR(charge(schema, copy_budget, pointer));
  const SchemaJson& members = schema["allOf"];
  if (!members.is_array() || members.empty()) return schema_error("allOf", pointer, "must be a non-empty list of schemas");
  SchemaJson merged = schema;
  merged.erase("allOf");
  for (size_t i = 0; i < members.size(); ++i) {
    std::string member_pointer = pointer + "/allOf/" + std::to_string(i);
    HERD_ASSIGN_OR_RETURN(SchemaJson member, expand_member(root, members[i], member_pointer, max_depth - 1, copy_budget));
    HERD_RETURN_IF_ERROR(merge_into(merged, member, member_pointer));
  }
  return merged;
}

}  // namespace herd::grammar
