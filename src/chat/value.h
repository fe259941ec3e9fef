// The value model of the template interpreter: Python's objects as Jinja2 sees them.
// Lists, dicts and objects are shared by reference (as in Python); the sandbox makes
// lists and dicts immutable once built, so only namespaces ever change.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herd::chat {

class Value;
class Interpreter;
struct CallArgs;

enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kObject };

using ValueList = std::vector<Value>;

// What a list value is in Python: they iterate alike and differ in how they print
// (and in whether tojson accepts them).
enum class ListFlavor : uint8_t {
  kList,
  kTuple,
  kDictKeys,    // dict_keys([...])
  kDictValues,  // dict_values([...])
  kDictItems,   // dict_items([...])
  kRange,       // range(a, b[, c]); the text is kept in the value
  kGroup,       // groupby's (grouper, list) named tuple: prints as a tuple
};

// A dict keeps insertion order; keys compare with Python equality (1 == 1.0 == True).
struct Dict {
  std::vector<std::pair<Value, Value>> entries;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
};

// Anything else: namespaces, loop objects, macros, builtins, bound methods, generators.
class Object : public std::enable_shared_from_this<Object> {
 public:
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;       // "namespace", "generator", ...
  virtual std::string repr() const;                 // "<generator object>"
  virtual bool callable() const { return false; }
  virtual Value call(Interpreter& in, CallArgs& args);
  // Attribute lookup; returns undefined when missing.
  virtual Value get_attr(std::string_view name);
  virtual bool set_attr(std::string_view name, Value value);  // false when immutable
  // Iteration (generators, dict views); false when not iterable.
  virtual bool iterate(std::vector<Value>* out);
  virtual bool is_generator() const { return false; }
  // How deeply values nest inside this object (bounded, so destruction cannot overflow
  // the stack on a chain built in a loop).
  virtual int nest_depth() const { return 0; }
};

// The deepest nesting of values a template may build.
constexpr int kMaxValueNesting = 500;

class Value {
 public:
  Value() = default;  // undefined
  static Value undefined(std::string hint = {}) {
    Value v;
    v.str_ = std::move(hint);
    return v;
  }
  static Value none() { return Value(Kind::kNone); }
  static Value boolean(bool b) {
    Value v(Kind::kBool);
    v.i_ = b ? 1 : 0;
    return v;
  }
  static Value integer(int64_t i) {
    Value v(Kind::kInt);
    v.i_ = i;
    return v;
  }
  static Value floating(double f) {
    Value v(Kind::kFloat);
    v.f_ = f;
    return v;
  }
  static Value string(std::string s, bool markup = false) {
    Value v(Kind::kString);
    v.str_ = std::move(s);
    v.markup_ = markup;
    return v;
  }
  // Throw a limit error past kMaxValueNesting.
  static Value list(ValueList items, bool tuple = false);
  static Value list_of(ValueList items, ListFlavor flavor, std::string range_text = {});
  static Value dict(Dict d);
  static Value object(std::shared_ptr<Object> o) {
    Value v(Kind::kObject);
    v.obj_ = std::move(o);
    return v;
  }

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const {
    return kind_ == Kind::kList && (flavor_ == ListFlavor::kTuple || flavor_ == ListFlavor::kGroup);
  }
  ListFlavor flavor() const { return flavor_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_markup() const { return kind_ == Kind::kString && markup_; }
  bool is_generator() const { return kind_ == Kind::kObject && obj_->is_generator(); }
  bool is_callable() const { return kind_ == Kind::kObject && obj_->callable(); }

  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return i_; }  // bool and int
  double as_float() const { return kind_ == Kind::kFloat ? f_ : static_cast<double>(i_); }
  const std::string& str() const { return str_; }  // string text, or an undefined's hint
  const ValueList& items() const { return *list_; }
  const Dict& dict() const { return *dict_; }
  Object& obj() const { return *obj_; }
  const std::shared_ptr<Object>& obj_ptr() const { return obj_; }
  const void* identity() const;  // for `is sameas`
  int nest() const;               // 0 for scalars, 1 + the deepest item for containers

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kUndefined;
  bool markup_ = false;
  ListFlavor flavor_ = ListFlavor::kList;
  int32_t nest_ = 0;
  int64_t i_ = 0;
  double f_ = 0;
  std::string str_;
  std::shared_ptr<ValueList> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Object> obj_;
};

// Arguments of a call: positional then keyword, in source order.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // Takes the argument called `name` (at `index` when positional); undefined if absent.
  Value take(size_t index, std::string_view name, Value fallback = {});
  bool has(size_t index, std::string_view name) const;
};

// Thrown by the interpreter; converted to a Status at the API boundary.
struct TemplateException {
  enum class Type { kSyntax, kRuntime, kRaised, kLimit };
  Type type;
  std::string message;
  int line = 0;
  int column = 0;
};
[[noreturn]] void throw_runtime(std::string message);
[[noreturn]] void throw_limit(std::string message);

// Python semantics.
bool truthy(const Value& v);
std::string to_str(const Value& v);    // str(v); undefined -> ""
std::string to_repr(const Value& v);   // repr(v)
std::string type_name(const Value& v); // "int", "str", "dict", "NoneType", ...
bool py_equal(const Value& a, const Value& b);
// -1, 0, 1; throws TypeError for unordered types.
int py_compare(const Value& a, const Value& b);
std::string float_repr(double d);
std::string string_repr(std::string_view s);
// Items of any iterable (str -> characters, dict -> keys, generators are consumed).
// Throws when `v` is not iterable; undefined iterates as empty.
ValueList iterate(const Value& v);
bool is_iterable(const Value& v);
// A one-shot iterator over `items` (what |map, |select, |items... return in Python).
Value make_generator(ValueList items);
// len(v), or throws TypeError.
int64_t py_len(const Value& v);

}  // namespace herd::chat
