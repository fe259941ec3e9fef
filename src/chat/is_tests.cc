// Jinja2's tests: `x is defined`, `x is string`, `x is divisibleby 3`, ...
#include <functional>
#include <unordered_map>

#include "chat/filters.h"
#include "chat/operators.h"
#include "chat/py_string.h"

namespace herd::chat {
namespace {

using TestFn = std::function<bool(Interpreter&, const Value&, CallArgs&)>;

int compare_arg(const Value& v, CallArgs& a) {
  const Value other = a.take(0, "other");
  if (v.is_undefined() || other.is_undefined()) throw_runtime((v.is_undefined() ? v : other).str());
  return py_compare(v, other);
}

int64_t int_value(const Value& v) {
  if (!v.is_int() && !v.is_bool()) throw_runtime("not all arguments converted during string formatting");
  return v.as_int();
}

const std::unordered_map<std::string_view, TestFn>& test_table() {
  static const auto* table = new std::unordered_map<std::string_view, TestFn>{
      {"defined", [](Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }},
      {"none", [](Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }},
      {"boolean", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); }},
      {"true", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }},
      {"false", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }},
      {"integer", [](Interpreter&, const Value& v, CallArgs&) { return v.is_int(); }},
      {"float", [](Interpreter&, const Value& v, CallArgs&) { return v.is_float(); }},
      {"number", [](Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }},
      {"string", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string(); }},
      {"mapping", [](Interpreter&, const Value& v, CallArgs&) { return v.is_dict(); }},
      {"iterable", [](Interpreter&, const Value& v, CallArgs&) { return is_iterable(v); }},
      {"sequence",
       [](Interpreter&, const Value& v, CallArgs&) {
         return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
       }},
      {"callable", [](Interpreter&, const Value& v, CallArgs&) { return v.is_callable(); }},
      {"escaped", [](Interpreter&, const Value& v, CallArgs&) { return v.is_markup(); }},
      {"sameas",
       [](Interpreter&, const Value& v, CallArgs& a) {
         const Value o = a.take(0, "other");
         if (v.identity() || o.identity()) return v.identity() == o.identity();
         if (v.kind() != o.kind()) return false;
         // None, True, False and small ints are singletons in CPython.
         if (v.is_none() || v.is_undefined()) return true;
         if (v.is_bool()) return v.as_bool() == o.as_bool();
         if (v.is_int()) return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
         return false;
       }},
      {"eq", [](Interpreter&, const Value& v, CallArgs& a) { return py_equal(v, a.take(0, "other")); }},
      {"ne", [](Interpreter&, const Value& v, CallArgs& a) { return !py_equal(v, a.take(0, "other")); }},
      {"lt", [](Interpreter&, const Value& v, CallArgs& a) { return compare_arg(v, a) < 0; }},
      {"le", [](Interpreter&, const Value& v, CallArgs& a) { return compare_arg(v, a) <= 0; }},
      {"gt", [](Interpreter&, const Value& v, CallArgs& a) { return compare_arg(v, a) > 0; }},
      {"ge", [](Interpreter&, const Value& v, CallArgs& a) { return compare_arg(v, a) >= 0; }},
      {"odd", [](Interpreter&, const Value& v, CallArgs&) { return int_value(v) % 2 != 0; }},
      {"even", [](Interpreter&, const Value& v, CallArgs&) { return int_value(v) % 2 == 0; }},
      {"divisibleby",
       [](Interpreter&, const Value& v, CallArgs& a) {
         const Value n = a.take(0, "num");
         if (!v.is_number() || !n.is_number()) throw_runtime("divisibleby needs numbers");
         const Value r = binary_op("%", v, n, 1 << 20);
         return r.as_float() == 0;
       }},
      {"in", [](Interpreter&, const Value& v, CallArgs& a) { return contains(a.take(0, "seq"), v); }},
      {"lower",
       [](Interpreter& in, const Value& v, CallArgs&) {
         CallArgs none;
         return truthy(in.get_attr(Value::string(to_str(v)), "islower").obj().call(in, none));
       }},
      {"upper",
       [](Interpreter& in, const Value& v, CallArgs&) {
         CallArgs none;
         return truthy(in.get_attr(Value::string(to_str(v)), "isupper").obj().call(in, none));
       }},
      {"filter", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && has_filter(v.str()); }},
      {"test", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && has_test(v.str()); }},
  };
  return *table;
}

std::string_view canonical(std::string_view name) {
  if (name == "equalto" || name == "==") return "eq";
  if (name == "!=") return "ne";
  if (name == "lessthan" || name == "<") return "lt";
  if (name == "greaterthan" || name == ">") return "gt";
  if (name == "<=") return "le";
  if (name == ">=") return "ge";
  return name;
}

}  // namespace

bool has_test(std::string_view name) { return test_table().count(canonical(name)) > 0; }

bool apply_builtin_test(Interpreter& in, std::string_view name, const Value& v, CallArgs& args) {
  const auto& t = test_table();
  auto it = t.find(canonical(name));
  if (it == t.end()) throw_runtime("no test named '" + std::string(name) + "'");
  return it->second(in, v, args);
}

}  // namespace herd::chat
