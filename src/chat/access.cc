// Attribute, item and slice access with the lookup order of Jinja2's sandbox:
// `a.b` tries the Python attribute (str/dict/list methods) before the item, `a[b]`
// tries the item before the attribute, and a miss is an undefined value.
#include <cctype>

#include "chat/interpreter.h"
#include "chat/objects.h"
#include "chat/unicode.h"

namespace herd::chat {

namespace {

// Python's slice.indices for a sequence of length n.
void slice_indices(const Value& start, const Value& stop, const Value& step, int64_t n, int64_t* out_start,
                   int64_t* out_stop, int64_t* out_step) {
  auto as_index = [](const Value& v) -> int64_t {
    if (!v.is_int() && !v.is_bool())
      throw_runtime("slice indices must be integers or None or have an __index__ method");
    return v.as_int();
  };
  int64_t st = 1;
  if (!step.is_none() && !step.is_undefined()) st = as_index(step);
  if (st == 0) throw_runtime("slice step cannot be zero");
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (v.is_none() || v.is_undefined()) return dflt;
    int64_t i = as_index(v);
    if (i < 0) {
      i += n;
      if (i < 0) i = st < 0 ? -1 : 0;
    } else if (i >= n) {
      i = st < 0 ? n - 1 : n;
    }
    return i;
  };
  *out_step = st;
  *out_start = clamp(start, st < 0 ? n - 1 : 0);
  *out_stop = clamp(stop, st < 0 ? -1 : n);
}

}  // namespace

Value Interpreter::eval_slice(const Value& obj, const Expr& slice, const FramePtr& frame) {
  const Value start = slice.a ? eval(*slice.a, frame) : Value::none();
  const Value stop = slice.b ? eval(*slice.b, frame) : Value::none();
  const Value step = slice.c ? eval(*slice.c, frame) : Value::none();
  if (obj.is_undefined()) throw_runtime(obj.str().empty() ? "undefined value is not subscriptable" : obj.str());
  if (!obj.is_string() && !obj.is_list()) return Value::undefined("'" + type_name(obj) + "' object is not subscriptable");
  std::u32string chars;
  int64_t n;
  if (obj.is_string()) {
    chars = utf8_decode(obj.str());
    n = static_cast<int64_t>(chars.size());
  } else {
    n = static_cast<int64_t>(obj.items().size());
  }
  int64_t b, e, st;
  slice_indices(start, stop, step, n, &b, &e, &st);
  std::u32string out_chars;
  ValueList out_items;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
    if (obj.is_string()) {
      out_chars.push_back(chars[static_cast<size_t>(i)]);
    } else {
      out_items.push_back(obj.items()[static_cast<size_t>(i)]);
    }
  }
  if (obj.is_string()) return Value::string(utf8_encode(out_chars), obj.is_markup());
  return Value::list(std::move(out_items), obj.is_tuple());
}

Value Interpreter::get_attr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::kUndefined: throw_runtime(obj.str().empty() ? "'" + std::string(name) + "' is undefined" : obj.str());
    case Kind::kObject: return obj.obj().get_attr(name);
    default: break;
  }
  if (obj.is_list() && obj.flavor() == ListFlavor::kGroup && (name == "grouper" || name == "list"))
    return obj.items()[name == "grouper" ? 0 : 1];
  if (has_method(obj, name)) return Value::object(std::make_shared<BoundMethod>(obj, std::string(name)));
  if (is_unsafe_method(obj, name)) {
    return Value::undefined("access to attribute '" + std::string(name) + "' of '" + type_name(obj) +
                            "' object is unsafe.");
  }
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().find(name)) return *v;
  }
  const std::string what = obj.is_none() ? "None" : "'" + type_name(obj) + " object'";
  return Value::undefined(what + " has no attribute '" + std::string(name) + "'");
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::kUndefined: throw_runtime(obj.str().empty() ? "undefined value is not subscriptable" : obj.str());
    case Kind::kDict:
      if (const Value* v = obj.dict().find(key)) return *v;
      break;
    case Kind::kList:
    case Kind::kString:
      if (key.is_int() || key.is_bool()) {
        int64_t i = key.as_int();
        if (obj.is_list()) {
          const int64_t n = static_cast<int64_t>(obj.items().size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
        } else {
          const std::u32string chars = utf8_decode(obj.str());
          const int64_t n = static_cast<int64_t>(chars.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return Value::string(utf8_encode(chars.substr(static_cast<size_t>(i), 1)));
        }
        const std::string what = "'" + type_name(obj) + " object'";
        return Value::undefined(what + " has no element " + std::to_string(key.as_int()));
      }
      break;
    default: break;
  }
  if (key.is_string()) return get_attr(obj, key.str());
  const std::string what = obj.is_none() ? "None" : "'" + type_name(obj) + " object'";
  return Value::undefined(what + " has no element " + to_repr(key));
}

Value Interpreter::get_path(const Value& obj, const std::string& path) {
  Value cur = obj;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty();
    for (char c : part) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    cur = digits && part.size() < 18 ? get_item(cur, Value::integer(std::stoll(part))) : get_item(cur, Value::string(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

}  // namespace herd::chat
