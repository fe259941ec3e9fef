#include "chat/objects.h"

#include <algorithm>

namespace herd::chat {

// ---- Namespace ----------------------------------------------------------------------

std::string Namespace::repr() const { return "<Namespace " + to_repr(Value::dict(attrs_)) + ">"; }

Value Namespace::get_attr(std::string_view name) {
  if (const Value* v = attrs_.find(name)) return *v;
  return Value::undefined("'Namespace object' has no attribute '" + std::string(name) + "'");
}

Namespace::Namespace(Dict attrs) : attrs_(std::move(attrs)) {
  for (const auto& [k, v] : attrs_.entries) depth_ = std::max(depth_, v.nest() + 1);
  if (depth_ > kMaxValueNesting) throw_limit("value nested too deeply");
}

bool Namespace::set_attr(std::string_view name, Value value) {
  // A namespace can hold itself; only a value that is not this namespace can deepen it.
  if (!(value.is_object() && value.obj_ptr().get() == this)) {
    const int d = value.nest() + 1;
    if (d > kMaxValueNesting) throw_limit("value nested too deeply");
    depth_ = std::max(depth_, d);
  }
  attrs_.set(Value::string(std::string(name)), std::move(value));
  return true;
}

// ---- BoundMethod, Macro -------------------------------------------------------------

std::string BoundMethod::repr() const {
  return "<built-in method " + name_ + " of " + chat::type_name(self_) + " object>";
}

Value BoundMethod::call(Interpreter& in, CallArgs& args) { return call_method(in, self_, name_, args); }

Value Macro::call(Interpreter& in, CallArgs& args) { return in.call_macro(*def_, closure_.lock(), args, nullptr); }

Value Macro::get_attr(std::string_view name) {
  if (name == "name") return Value::string(name_);
  if (name == "arguments") {
    ValueList names;
    for (const auto& p : def_->params) names.push_back(Value::string(p.name));
    return Value::list(std::move(names), true);
  }
  return Object::get_attr(name);
}

// ---- LoopObject ---------------------------------------------------------------------

std::string LoopObject::repr() const {
  return "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(items_.size()) + ">";
}

Value LoopObject::call(Interpreter& in, CallArgs& args) {
  if (!stmt_->recursive) return Object::call(in, args);
  if (args.positional.size() != 1) throw_runtime("loop() takes exactly one argument");
  return Value::string(in.run_loop(*stmt_, frame_.lock(), args.positional[0], depth_ + 1));
}

Value LoopObject::get_attr(std::string_view name) {
  const auto n = static_cast<int64_t>(items_.size());
  const auto i = static_cast<int64_t>(index_);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(depth_ + 1);
  if (name == "depth0") return Value::integer(depth_);
  if (name == "previtem") {
    if (i == 0) return Value::undefined("there is no previous item");
    return items_[index_ - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return Value::undefined("there is no next item");
    return items_[index_ + 1];
  }
  if (name == "cycle") {
    const size_t idx = index_;
    return Value::object(std::make_shared<Builtin>("cycle", [idx](Interpreter&, CallArgs& args) {
      if (args.positional.empty()) throw_runtime("no items for cycling given");
      return args.positional[idx % args.positional.size()];
    }));
  }
  if (name == "changed") {
    auto self = std::static_pointer_cast<LoopObject>(shared_from_this());
    return Value::object(std::make_shared<Builtin>("changed", [self](Interpreter&, CallArgs& args) {
      const Value now = Value::list(args.positional, true);
      const bool changed = !self->changed_called_ || !py_equal(now, self->last_changed_);
      self->changed_called_ = true;
      self->last_changed_ = now;
      return Value::boolean(changed);
    }, nest_ + 1));
  }
  return Object::get_attr(name);
}

// ---- builtins -----------------------------------------------------------------------

namespace {

class Cycler : public Object {
 public:
  explicit Cycler(ValueList items) : items_(std::move(items)) {
    for (const Value& v : items_) nest_ = std::max(nest_, v.nest() + 1);
    if (nest_ > kMaxValueNesting) throw_limit("value nested too deeply");
  }
  std::string type_name() const override { return "Cycler"; }
  int nest_depth() const override { return nest_; }
  Value get_attr(std::string_view name) override {
    if (name == "current") return items_[pos_];
    auto self = std::static_pointer_cast<Cycler>(shared_from_this());
    if (name == "next") {
      return Value::object(std::make_shared<Builtin>("next", [self](Interpreter&, CallArgs&) {
        Value v = self->items_[self->pos_];
        self->pos_ = (self->pos_ + 1) % self->items_.size();
        return v;
      }, nest_ + 1));
    }
    if (name == "reset") {
      return Value::object(std::make_shared<Builtin>("reset", [self](Interpreter&, CallArgs&) {
        self->pos_ = 0;
        return Value::none();
      }, nest_ + 1));
    }
    return Object::get_attr(name);
  }

 private:
  ValueList items_;
  size_t pos_ = 0;
  int nest_ = 0;
};

class Joiner : public Object {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  std::string type_name() const override { return "Joiner"; }
  bool callable() const override { return true; }
  Value call(Interpreter&, CallArgs&) override {
    if (!used_) {
      used_ = true;
      return Value::string("");
    }
    return Value::string(sep_);
  }

 private:
  std::string sep_;
  bool used_ = false;
};

int64_t int_arg(const Value& v, const char* what) {
  if (!v.is_int() && !v.is_bool())
    throw_runtime("'" + type_name(v) + "' object cannot be interpreted as an integer (" + what + ")");
  return v.as_int();
}

Value builtin_range(Interpreter& in, CallArgs& args) {
  int64_t start = 0, stop = 0, step = 1;
  const size_t n = args.positional.size();
  if (n == 1) {
    stop = int_arg(args.positional[0], "range");
  } else if (n == 2 || n == 3) {
    start = int_arg(args.positional[0], "range");
    stop = int_arg(args.positional[1], "range");
    if (n == 3) step = int_arg(args.positional[2], "range");
  } else {
    throw_runtime("range expected 1 to 3 arguments, got " + std::to_string(n));
  }
  if (step == 0) throw_runtime("range() arg 3 must not be zero");
  ValueList out;
  const long double count = step > 0 ? (static_cast<long double>(stop) - start) / step
                                     : (static_cast<long double>(start) - stop) / -step;
  if (count > static_cast<long double>(in.config().max_steps)) throw_limit("range too large");
  if (count > 0) in.tick(static_cast<int64_t>(count));
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push_back(Value::integer(i));
    if (__builtin_add_overflow(i, step, &i)) break;
    i -= step;
  }
  std::string text = "range(" + std::to_string(start) + ", " + std::to_string(stop);
  if (step != 1) text += ", " + std::to_string(step);
  return Value::list_of(std::move(out), ListFlavor::kRange, text + ")");
}

Dict dict_from_args(CallArgs& args) {
  Dict d;
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.dict();
    } else {
      for (const Value& pair : iterate(src)) {
        const ValueList kv = iterate(pair);
        if (kv.size() != 2) throw_runtime("dictionary update sequence element has wrong length");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) d.set(Value::string(k), v);
  return d;
}

}  // namespace

void install_builtins(Frame& g) {
  auto add = [&g](const char* name, Builtin::Fn fn) {
    g.set(name, Value::object(std::make_shared<Builtin>(name, std::move(fn))));
  };
  add("range", builtin_range);
  add("dict", [](Interpreter&, CallArgs& args) { return Value::dict(dict_from_args(args)); });
  add("namespace", [](Interpreter& in, CallArgs& args) { return in.make_namespace(dict_from_args(args)); });
  add("cycler", [](Interpreter&, CallArgs& args) {
    if (args.positional.empty()) throw_runtime("at least one item has to be provided");
    return Value::object(std::make_shared<Cycler>(args.positional));
  });
  add("joiner", [](Interpreter&, CallArgs& args) {
    return Value::object(std::make_shared<Joiner>(to_str(args.take(0, "sep", Value::string(", ")))));
  });
  add("raise_exception", [](Interpreter&, CallArgs& args) -> Value {
    throw TemplateException{TemplateException::Type::kRaised, to_str(args.take(0, "message"))};
  });
  add("strftime_now", [](Interpreter& in, CallArgs& args) {
    const Value fmt = args.take(0, "format");
    if (!fmt.is_string()) throw_runtime("strftime() argument 1 must be str, not " + type_name(fmt));
    if (!in.config().strftime_now) throw_runtime("strftime_now is not available");
    return Value::string(in.config().strftime_now(fmt.str()));
  });
}

}  // namespace herd::chat
