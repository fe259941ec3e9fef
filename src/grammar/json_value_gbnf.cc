#include "grammar/json_value_gbnf.h"

namespace herd::grammar {
namespace {

std::string ensure(GbnfWriter& w, std::string_view fixed_name, const std::string& body) {
  std::string name = w.fixed(fixed_name);
  if (!w.defined(name)) w.define(name, body);
  return name;
}

}  // namespace

void reserve_json_rule_names(GbnfWriter& w) {
  for (const char* name : {"ws", "hex", "char", "string", "integer", "number", "boolean", "null", "value", "object", "member", "array"}) {
    w.reserve(w.fixed(name));
  }
}

std::string json_ws_rule(GbnfWriter& w) { return ensure(w, "ws", "(\" \" | \"\\n\" [ \\t]{0,8})?"); }

std::string json_char_rule(GbnfWriter& w) {
  std::string hex = ensure(w, "hex", "[0-9a-fA-F]");
  return ensure(w, "char",
                "[^\\x22\\x5C\\x00-\\x1F] | \"\\\\\" ([\\x22\\x5C/bfnrt] | \"u\" ([0-9a-cA-C] " + hex + " " + hex + " " + hex +
                    " | [dD] [0-7] " + hex + " " + hex + " | [eEfF] " + hex + " " + hex + " " + hex + "))");
}

std::string json_string_rule(GbnfWriter& w) {
  std::string ch = json_char_rule(w);
  return ensure(w, "string", "\"\\\"\" " + ch + "* \"\\\"\"");
}

std::string json_integer_rule(GbnfWriter& w) { return ensure(w, "integer", "\"-\"? (\"0\" | [1-9] [0-9]{0,17})"); }

std::string json_number_rule(GbnfWriter& w) {
  std::string integer = json_integer_rule(w);
  return ensure(w, "number", integer + " (\".\" [0-9]{1,16})? ([eE] [+\\x2D]? [0-9]{1,2})?");
}

std::string json_boolean_rule(GbnfWriter& w) { return ensure(w, "boolean", "\"true\" | \"false\""); }

std::string json_null_rule(GbnfWriter& w) { return ensure(w, "null", "\"null\""); }

std::string json_value_rule(GbnfWriter& w) {
  std::string value = w.fixed("value");
  if (w.defined(value)) return value;
  w.define(value, "");  // taken before its parts, which refer back to it; the body comes next
  std::string body = gbnf_alternatives({json_object_rule(w), json_array_rule(w), json_string_rule(w), json_number_rule(w),
                                        json_boolean_rule(w), json_null_rule(w)});
  w.define(value, body);
  return value;
}

std::string json_object_rule(GbnfWriter& w) {
  std::string object = w.fixed("object");
  if (w.defined(object)) return object;
  std::string ws = json_ws_rule(w);
  std::string member = w.fixed("member");
  w.define(object, "\"{\" " + ws + " (" + member + " (\",\" " + ws + " " + member + ")*)? \"}\"");
  w.define(member, json_string_rule(w) + " " + ws + " \":\" " + ws + " " + json_value_rule(w) + " " + ws);
  return object;
}

std::string json_array_rule(GbnfWriter& w) {
  std::string array = w.fixed("array");
  if (w.defined(array)) return array;
  std::string ws = json_ws_rule(w);
  std::string value = w.fixed("value");
  w.define(array, "\"[\" " + ws + " (" + value + " " + ws + " (\",\" " + ws + " " + value + " " + ws + ")*)? \"]\"");
  json_value_rule(w);
  return array;
}

}  // namespace herd::grammar
