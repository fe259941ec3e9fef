#include "chat/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace herd::chat {

namespace {
constexpr int kMaxNesting = 256;  // repr/equality depth: a namespace can contain itself

class Generator : public Object {
 public:
  explicit Generator(ValueList items) : items_(std::move(items)) {
    for (const Value& v : items_) depth_ = std::max(depth_, v.nest() + 1);
    if (depth_ > kMaxValueNesting) throw_limit("value nested too deeply");
  }
  std::string type_name() const override { return "generator"; }
  std::string repr() const override { return "<generator object>"; }
  bool is_generator() const override { return true; }
  int nest_depth() const override { return depth_; }
  bool iterate(std::vector<Value>* out) override {
    *out = consumed_ ? ValueList{} : std::move(items_);
    consumed_ = true;
    items_.clear();
    return true;
  }

 private:
  ValueList items_;
  bool consumed_ = false;
  int depth_ = 0;
};
}  // namespace

Value make_generator(ValueList items) { return Value::object(std::make_shared<Generator>(std::move(items))); }

void throw_runtime(std::string message) {
  throw TemplateException{TemplateException::Type::kRuntime, std::move(message)};
}
void throw_limit(std::string message) { throw TemplateException{TemplateException::Type::kLimit, std::move(message)}; }

// ---- Dict ---------------------------------------------------------------------------

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : entries)
    if (py_equal(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : entries) {
    if (py_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

// ---- Object defaults ----------------------------------------------------------------

std::string Object::repr() const { return "<" + type_name() + " object>"; }
Value Object::call(Interpreter&, CallArgs&) { throw_runtime("'" + type_name() + "' object is not callable"); }
Value Object::get_attr(std::string_view name) {
  return Value::undefined("'" + type_name() + " object' has no attribute '" + std::string(name) + "'");
}
bool Object::set_attr(std::string_view, Value) { return false; }
bool Object::iterate(std::vector<Value>*) { return false; }

int Value::nest() const {
  if (kind_ == Kind::kList || kind_ == Kind::kDict) return nest_;
  if (kind_ == Kind::kObject) return obj_->nest_depth();
  return 0;
}

Value Value::list(ValueList items, bool tuple) {
  return list_of(std::move(items), tuple ? ListFlavor::kTuple : ListFlavor::kList);
}

Value Value::list_of(ValueList items, ListFlavor flavor, std::string range_text) {
  int depth = 0;
  for (const Value& v : items) depth = std::max(depth, v.nest());
  if (depth + 1 > kMaxValueNesting) throw_limit("value nested too deeply");
  Value v(Kind::kList);
  v.list_ = std::make_shared<ValueList>(std::move(items));
  v.flavor_ = flavor;
  v.str_ = std::move(range_text);
  v.nest_ = depth + 1;
  return v;
}

Value Value::dict(Dict d) {
  int depth = 0;
  for (const auto& [k, val] : d.entries) depth = std::max({depth, k.nest(), val.nest()});
  if (depth + 1 > kMaxValueNesting) throw_limit("value nested too deeply");
  Value v(Kind::kDict);
  v.dict_ = std::make_shared<Dict>(std::move(d));
  v.nest_ = depth + 1;
  return v;
}

const void* Value::identity() const {
  switch (kind_) {
    case Kind::kList: return list_.get();
    case Kind::kDict: return dict_.get();
    case Kind::kObject: return obj_.get();
    default: return nullptr;
  }
}

// ---- CallArgs -----------------------------------------------------------------------

Value CallArgs::take(size_t index, std::string_view name, Value fallback) {
  if (index < positional.size()) return positional[index];
  for (auto& [k, v] : keyword)
    if (k == name) return v;
  return fallback;
}

bool CallArgs::has(size_t index, std::string_view name) const {
  if (index < positional.size()) return true;
  for (const auto& kv : keyword)
    if (kv.first == name) return true;
  return false;
}

// ---- Python semantics ---------------------------------------------------------------

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool:
    case Kind::kInt: return v.as_int() != 0;
    case Kind::kFloat: return v.as_float() != 0.0;
    case Kind::kString: return !v.str().empty();
    case Kind::kList: return !v.items().empty();
    case Kind::kDict: return !v.dict().entries.empty();
    case Kind::kObject: return true;
  }
  return false;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return v.is_markup() ? "Markup" : "str";
    case Kind::kList:
      switch (v.flavor()) {
        case ListFlavor::kList: return "list";
        case ListFlavor::kTuple: return "tuple";
        case ListFlavor::kDictKeys: return "dict_keys";
        case ListFlavor::kDictValues: return "dict_values";
        case ListFlavor::kDictItems: return "dict_items";
        case ListFlavor::kRange: return "range";
        case ListFlavor::kGroup: return "_GroupTuple";
      }
      return "list";
    case Kind::kDict: return "dict";
    case Kind::kObject: return v.obj().type_name();
  }
  return "object";
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci = [-]D[.DDD]e[+-]XX
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  const int exp = std::stoi(sci.substr(e + 1));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exp >= -5 + 1 && exp < 16) {
    if (exp >= 0) {
      if (static_cast<int>(digits.size()) <= exp + 1) {
        out = digits + std::string(exp + 1 - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
      }
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  }
  return sign + out;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : utf8_decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0xDC80 && c <= 0xDCFF) {
      char b[16];
      std::snprintf(b, sizeof b, "\\udc%02x", static_cast<unsigned>(c - 0xDC00));
      out += b;
    } else if (!uni_is_printable(c)) {
      char b[16];
      if (c < 0x100) {
        std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned>(c));
      } else if (c < 0x10000) {
        std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
      } else {
        std::snprintf(b, sizeof b, "\\U%08x", static_cast<unsigned>(c));
      }
      out += b;
    } else {
      utf8_append(out, c);
    }
  }
  out += quote;
  return out;
}

namespace {

// Shared across nested to_repr calls, so a namespace that contains itself stops too.
thread_local int g_repr_depth = 0;

struct ReprDepth {
  ReprDepth() {
    if (++g_repr_depth > kMaxNesting) {
      g_repr_depth = 0;
      throw_limit("value nested too deeply to print");
    }
  }
  ~ReprDepth() {
    if (g_repr_depth > 0) --g_repr_depth;
  }
};

void repr_into(const Value& v, std::string& out, int depth) {
  ReprDepth guard;
  switch (v.kind()) {
    case Kind::kString: out += string_repr(v.str()); return;
    case Kind::kList: {
      if (v.flavor() == ListFlavor::kRange) {
        out += v.str();
        return;
      }
      const char* view = v.flavor() == ListFlavor::kDictKeys     ? "dict_keys("
                         : v.flavor() == ListFlavor::kDictValues ? "dict_values("
                         : v.flavor() == ListFlavor::kDictItems  ? "dict_items("
                                                                 : nullptr;
      if (view) out += view;
      out += v.is_tuple() ? '(' : '[';
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        repr_into(item, out, depth + 1);
      }
      if (v.is_tuple() && v.items().size() == 1) out += ',';
      out += v.is_tuple() ? ')' : ']';
      if (view) out += ')';
      return;
    }
    case Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.dict().entries) {
        if (!first) out += ", ";
        first = false;
        repr_into(k, out, depth + 1);
        out += ": ";
        repr_into(val, out, depth + 1);
      }
      out += '}';
      return;
    }
    case Kind::kUndefined: return;  // str(Undefined) inside a repr is still ''
    default: out += to_str(v); return;
  }
}

}  // namespace

std::string to_repr(const Value& v) {
  std::string out;
  repr_into(v, out, 0);
  return out;
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return v.as_bool() ? "True" : "False";
    case Kind::kInt: return std::to_string(v.as_int());
    case Kind::kFloat: return float_repr(v.as_float());
    case Kind::kString: return v.str();
    case Kind::kList:
    case Kind::kDict: return to_repr(v);
    case Kind::kObject: return v.obj().repr();
  }
  return "";
}

namespace {

// Lists compare only with lists, tuples (groupby's named tuples too) with tuples, ...
ListFlavor flavor_class(const Value& v) {
  return v.flavor() == ListFlavor::kGroup ? ListFlavor::kTuple : v.flavor();
}

bool equal_at(const Value& a, const Value& b, int depth) {
  if (depth > kMaxNesting) throw_limit("value nested too deeply to compare");
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return true;
    case Kind::kString: return a.str() == b.str();
    case Kind::kList: {
      if (flavor_class(a) != flavor_class(b) || a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!equal_at(a.items()[i], b.items()[i], depth + 1)) return false;
      return true;
    }
    case Kind::kDict: {
      const auto& ea = a.dict().entries;
      if (ea.size() != b.dict().entries.size()) return false;
      for (const auto& [k, v] : ea) {
        const Value* other = b.dict().find(k);
        if (!other || !equal_at(v, *other, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kObject: return a.identity() == b.identity();
    default: return false;
  }
}

}  // namespace

bool py_equal(const Value& a, const Value& b) { return equal_at(a, b, 0); }

int py_compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.str().compare(b.str());  // UTF-8 byte order is code point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && flavor_class(a) == flavor_class(b) &&
      (a.flavor() == ListFlavor::kList || a.is_tuple())) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (py_equal(x[i], y[i])) continue;
      return py_compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  throw_runtime("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

bool is_iterable(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kString:
    case Kind::kList:
    case Kind::kDict: return true;
    case Kind::kObject: return v.is_generator();
    default: return false;
  }
}

ValueList iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return {};
    case Kind::kString: {
      ValueList out;
      for (char32_t c : utf8_decode(v.str())) {
        std::string s;
        utf8_append(s, c);
        out.push_back(Value::string(std::move(s)));
      }
      return out;
    }
    case Kind::kList: return v.items();
    case Kind::kDict: {
      ValueList out;
      for (const auto& kv : v.dict().entries) out.push_back(kv.first);
      return out;
    }
    case Kind::kObject: {
      ValueList out;
      if (v.obj().iterate(&out)) return out;
      break;
    }
    default: break;
  }
  throw_runtime("'" + type_name(v) + "' object is not iterable");
}

int64_t py_len(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return 0;
    case Kind::kString: return static_cast<int64_t>(utf8_length(v.str()));
    case Kind::kList: return static_cast<int64_t>(v.items().size());
    case Kind::kDict: return static_cast<int64_t>(v.dict().entries.size());
    default: break;
  }
  throw_runtime("object of type '" + type_name(v) + "' has no len()");
}

}  // namespace herd::chat
