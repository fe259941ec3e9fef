#include "chat/interpreter.h"

#include <cctype>
#include <climits>

#include "chat/filters.h"
#include "chat/objects.h"
#include "chat/operators.h"

namespace herd::chat {

Value* Frame::find_local(std::string_view name) {
  for (auto& [k, v] : vars)
    if (k == name) return &v;
  return nullptr;
}

void Frame::set(std::string_view name, Value v) {
  if (Value* slot = find_local(name)) {
    *slot = std::move(v);
  } else {
    vars.emplace_back(std::string(name), std::move(v));
  }
}

namespace {

FramePtr child_of(const FramePtr& parent) {
  auto f = std::make_shared<Frame>();
  f->parent = parent;
  return f;
}

// Annotates an escaping error with the position of the innermost node that saw it.
template <typename Node>
[[noreturn]] void rethrow_at(TemplateException& e, const Node& n) {
  if (e.line == 0) {
    e.line = n.line;
    e.column = n.column;
  }
  throw;
}

class CallDepth {
 public:
  CallDepth(int* depth, int max) : depth_(depth) {
    if (++*depth_ > max) {
      --*depth_;
      throw_limit("maximum recursion depth exceeded (" + std::to_string(max) + " nested calls)");
    }
  }
  ~CallDepth() { --*depth_; }

 private:
  int* depth_;
};

}  // namespace

Interpreter::Interpreter(InterpreterConfig config) : config_(std::move(config)) {
  globals_ = std::make_shared<Frame>();
  install_builtins(*globals_);
}

Interpreter::~Interpreter() {
  // Namespaces are the only mutable objects, so the only way to build a cycle.
  for (auto& w : namespaces_)
    if (auto ns = w.lock()) ns->clear();
}

Value Interpreter::make_namespace(Dict attrs) {
  auto ns = std::make_shared<Namespace>(std::move(attrs));
  namespaces_.push_back(ns);
  tick();
  return Value::object(std::move(ns));
}

void Interpreter::tick(int64_t n) {
  steps_ += n;
  if (steps_ > config_.max_steps)
    throw_limit("template did too much work (more than " + std::to_string(config_.max_steps) + " steps)");
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > config_.max_output_bytes)
    throw_limit("output larger than " + std::to_string(config_.max_output_bytes) + " bytes");
}

void Interpreter::emit(std::string_view text) {
  check_size(out_->size() + text.size());
  out_->append(text);
}

std::string Interpreter::render(const StmtList& body, const Dict& context) {
  auto root = child_of(globals_);
  for (const auto& [k, v] : context.entries)
    if (k.is_string()) root->set(k.str(), v);
  std::string out;
  out_ = &out;
  exec_list(body, root);
  out_ = nullptr;
  return out;
}

std::string Interpreter::capture(const StmtList& body, const FramePtr& frame) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_list(body, frame);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

Interpreter::Flow Interpreter::exec_list(const StmtList& list, const FramePtr& frame) {
  for (const auto& s : list) {
    const Flow f = exec(*s, frame);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, const FramePtr& frame) {
  try {
    switch (s.type) {
      case Stmt::Type::kText: emit(s.text); return Flow::kNormal;
      case Stmt::Type::kPrint: {
        const Value v = eval(*s.expr, frame);
        emit(to_str(v));
        return Flow::kNormal;
      }
      case Stmt::Type::kIf:
        for (const auto& [cond, body] : s.branches)
          if (truthy(eval(*cond, frame))) return exec_list(body, frame);
        return exec_list(s.else_body, frame);
      case Stmt::Type::kFor: return exec_for(s, frame, eval(*s.expr, frame), 0);
      case Stmt::Type::kSet: assign(*s.target, eval(*s.expr, frame), frame); return Flow::kNormal;
      case Stmt::Type::kSetBlock: {
        Value v = Value::string(capture(s.body, frame));
        if (s.filter) v = apply_filter_chain(s.filter.get(), std::move(v), frame);
        assign(*s.target, std::move(v), frame);
        return Flow::kNormal;
      }
      case Stmt::Type::kMacro:
        frame->set(s.name, Value::object(std::make_shared<Macro>(&s, frame, s.name)));
        return Flow::kNormal;
      case Stmt::Type::kCallBlock: {
        const Value caller = Value::object(std::make_shared<Macro>(&s, frame, "caller"));
        const Expr& call = *s.expr;
        const Value callee = eval(*call.a, frame);
        CallArgs args;
        eval_args(call, frame, &args);
        args.keyword.emplace_back("caller", caller);
        emit(to_str(this->call(callee, args)));
        return Flow::kNormal;
      }
      case Stmt::Type::kFilterBlock: {
        auto inner = child_of(frame);
        Value v = Value::string(capture(s.body, inner));
        emit(to_str(apply_filter_chain(s.filter.get(), std::move(v), frame)));
        return Flow::kNormal;
      }
      case Stmt::Type::kWith: {
        auto inner = child_of(frame);
        for (const auto& [target, value] : s.assignments) assign(*target, eval(*value, frame), inner);
        return exec_list(s.body, inner);
      }
      case Stmt::Type::kScope: return exec_list(s.body, frame);
      case Stmt::Type::kBreak: return Flow::kBreak;
      case Stmt::Type::kContinue: return Flow::kContinue;
    }
  } catch (TemplateException& e) {
    rethrow_at(e, s);
  }
  return Flow::kNormal;
}

Value Interpreter::apply_filter_chain(const Expr* chain, Value input, const FramePtr& frame) {
  // The chain nests through `a`; the innermost filter (a == null) applies first.
  std::vector<const Expr*> filters;
  for (const Expr* f = chain; f; f = f->a.get()) filters.push_back(f);
  for (auto it = filters.rbegin(); it != filters.rend(); ++it) {
    CallArgs args;
    eval_args(**it, frame, &args);
    input = filter((*it)->name, std::move(input), args);
  }
  return input;
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, const FramePtr& frame, const Value& iterable, int depth) {
  ValueList items = iterate(iterable);
  if (s.cond) {
    ValueList kept;
    for (Value& item : items) {
      tick();
      auto probe = child_of(frame);
      assign(*s.target, item, probe);
      if (truthy(eval(*s.cond, probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    if (!s.else_body.empty()) return exec_list(s.else_body, frame);
    return Flow::kNormal;
  }
  auto loop = std::make_shared<LoopObject>(&s, frame, items, depth);
  const Value loop_value = Value::object(loop);
  const ValueList& loop_items = loop->items();
  for (size_t i = 0; i < loop_items.size(); ++i) {
    tick();
    auto inner = child_of(frame);
    loop->set_index(i);
    assign(*s.target, loop_items[i], inner);
    inner->set("loop", loop_value);
    const Flow f = exec_list(s.body, inner);
    if (f == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

std::string Interpreter::run_loop(const Stmt& loop, const FramePtr& frame, const Value& iterable, int depth) {
  CallDepth guard(&call_depth_, config_.max_call_depth);
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_for(loop, frame ? frame : globals_, iterable, depth);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

void Interpreter::assign(const Expr& target, Value value, const FramePtr& frame) {
  switch (target.type) {
    case Expr::Type::kName: frame->set(target.name, std::move(value)); return;
    case Expr::Type::kTuple: {
      const ValueList items = iterate(value);
      if (items.size() != target.children.size()) {
        throw_runtime(items.size() > target.children.size()
                          ? "too many values to unpack (expected " + std::to_string(target.children.size()) + ")"
                          : "not enough values to unpack (expected " + std::to_string(target.children.size()) +
                                ", got " + std::to_string(items.size()) + ")");
      }
      for (size_t i = 0; i < items.size(); ++i) assign(*target.children[i], items[i], frame);
      return;
    }
    case Expr::Type::kAttr: {
      const Value obj = lookup(target.a->name, frame);
      if (!obj.is_object() || !obj.obj().set_attr(target.name, std::move(value)))
        throw_runtime("cannot assign attribute on non-namespace object");
      return;
    }
    default: throw_runtime("cannot assign to this expression");
  }
}

Value Interpreter::lookup(const std::string& name, const FramePtr& frame) {
  for (Frame* f = frame.get(); f; f = f->parent.get())
    if (Value* v = f->find_local(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

Value Interpreter::call_macro(const Stmt& def, const FramePtr& closure, CallArgs& args, const Value* caller) {
  CallDepth guard(&call_depth_, config_.max_call_depth);
  tick();
  auto frame = child_of(closure ? closure : globals_);
  const size_t n = def.params.size();
  const std::string macro_name = def.type == Stmt::Type::kMacro ? def.name : "caller";
  if (args.positional.size() > n && !def.uses_varargs)
    throw_runtime("macro '" + macro_name + "' takes not more than " + std::to_string(n) + " argument(s)");
  Dict kwargs;
  for (auto& [k, kv] : args.keyword) {
    size_t index = n;
    for (size_t i = 0; i < n; ++i)
      if (def.params[i].name == k) index = i;
    if (index < n && index < args.positional.size())
      throw_runtime("macro '" + macro_name + "' got multiple values for argument '" + k + "'");
    if (k == "caller" && index == n) {
      if (!def.uses_caller) throw_runtime("macro '" + macro_name + "' takes no keyword argument 'caller'");
      frame->set("caller", kv);
    } else if (index == n) {
      if (!def.uses_kwargs) throw_runtime("macro '" + macro_name + "' takes no keyword argument '" + k + "'");
      kwargs.set(Value::string(k), kv);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const MacroParam& p = def.params[i];
    Value v;
    bool found = false;
    if (i < args.positional.size()) {
      v = args.positional[i];
      found = true;
    } else {
      for (auto& [k, kv] : args.keyword) {
        if (k == p.name) {
          v = kv;
          found = true;
        }
      }
    }
    if (!found) {
      v = p.default_value ? eval(*p.default_value, frame)
                          : Value::undefined("parameter '" + p.name + "' was not provided");
    }
    frame->set(p.name, std::move(v));
  }
  ValueList varargs;
  for (size_t i = n; i < args.positional.size(); ++i) varargs.push_back(args.positional[i]);
  frame->set("varargs", Value::list(std::move(varargs), true));
  frame->set("kwargs", Value::dict(std::move(kwargs)));
  if (caller) frame->set("caller", *caller);
  return Value::string(capture(def.body, frame));
}

Value Interpreter::filter(std::string_view name, Value input, CallArgs& args) {
  tick();
  return apply_builtin_filter(*this, name, std::move(input), args);
}

bool Interpreter::test(std::string_view name, const Value& v, CallArgs& args) {
  return apply_builtin_test(*this, name, v, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined())
    throw_runtime(callee.str().empty() ? "undefined value is not callable" : callee.str());
  if (!callee.is_callable()) throw_runtime("'" + type_name(callee) + "' object is not callable");
  return callee.obj().call(*this, args);
}

void Interpreter::eval_args(const Expr& e, const FramePtr& frame, CallArgs* args) {
  for (const auto& c : e.children) args->positional.push_back(eval(*c, frame));
  if (e.b) {
    for (Value& v : iterate(eval(*e.b, frame))) args->positional.push_back(std::move(v));
  }
  for (const auto& [k, v] : e.kwargs) args->keyword.emplace_back(k, eval(*v, frame));
  if (e.c) {
    const Value d = eval(*e.c, frame);
    if (!d.is_dict()) throw_runtime("argument after ** must be a mapping");
    for (const auto& [k, v] : d.dict().entries) args->keyword.emplace_back(to_str(k), v);
  }
}

Value Interpreter::eval_call(const Expr& e, const FramePtr& frame) {
  const Value callee = eval(*e.a, frame);
  CallArgs args;
  eval_args(e, frame, &args);
  return call(callee, args);
}

Value Interpreter::eval(const Expr& e, const FramePtr& frame) {
  try {
    switch (e.type) {
      case Expr::Type::kLiteral: return e.literal;
      case Expr::Type::kName: return lookup(e.name, frame);
      case Expr::Type::kList:
      case Expr::Type::kTuple: {
        ValueList items;
        for (const auto& c : e.children) items.push_back(eval(*c, frame));
        return Value::list(std::move(items), e.type == Expr::Type::kTuple);
      }
      case Expr::Type::kDict: {
        Dict d;
        for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
          Value k = eval(*e.children[i], frame);
          if (k.is_list() && !k.is_tuple()) throw_runtime("unhashable type: 'list'");
          if (k.is_dict()) throw_runtime("unhashable type: 'dict'");
          d.set(std::move(k), eval(*e.children[i + 1], frame));
        }
        return Value::dict(std::move(d));
      }
      case Expr::Type::kAttr: return get_attr(eval(*e.a, frame), e.name);
      case Expr::Type::kItem: {
        const Value obj = eval(*e.a, frame);
        if (e.b->type == Expr::Type::kSlice) return eval_slice(obj, *e.b, frame);
        return get_item(obj, eval(*e.b, frame));
      }
      case Expr::Type::kSlice: throw_runtime("slice outside of a subscript");
      case Expr::Type::kCall: return eval_call(e, frame);
      case Expr::Type::kFilter: {
        Value input = e.a ? eval(*e.a, frame) : Value();
        CallArgs args;
        eval_args(e, frame, &args);
        return filter(e.name, std::move(input), args);
      }
      case Expr::Type::kTest: {
        const Value v = eval(*e.a, frame);
        CallArgs args;
        eval_args(e, frame, &args);
        return Value::boolean(test(e.name, v, args) != e.negated);
      }
      case Expr::Type::kUnary: {
        const Value v = eval(*e.a, frame);
        if (!v.is_number()) throw_runtime("bad operand type for unary " + e.name + ": '" + type_name(v) + "'");
        if (e.name == "+") return v.is_bool() ? Value::integer(v.as_int()) : v;
        if (v.is_float()) return Value::floating(-v.as_float());
        if (v.as_int() == INT64_MIN) throw_runtime("integer overflow");
        return Value::integer(-v.as_int());
      }
      case Expr::Type::kNot: return Value::boolean(!truthy(eval(*e.a, frame)));
      case Expr::Type::kBinary: {
        const Value a = eval(*e.a, frame);
        const Value b = eval(*e.b, frame);
        return binary_op(e.name, a, b, config_.max_output_bytes);
      }
      case Expr::Type::kConcat: {
        std::string s;
        for (const auto& c : e.children) {
          s += to_str(eval(*c, frame));
          check_size(s.size());
        }
        return Value::string(std::move(s));
      }
      case Expr::Type::kAnd: {
        Value a = eval(*e.a, frame);
        return truthy(a) ? eval(*e.b, frame) : a;
      }
      case Expr::Type::kOr: {
        Value a = eval(*e.a, frame);
        return truthy(a) ? a : eval(*e.b, frame);
      }
      case Expr::Type::kCompare: {
        Value left = eval(*e.a, frame);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.children[i], frame);
          const std::string& op = e.ops[i];
          bool r;
          if (op == "==") {
            r = py_equal(left, right);
          } else if (op == "!=") {
            r = !py_equal(left, right);
          } else if (op == "in") {
            r = contains(right, left);
          } else if (op == "notin") {
            r = !contains(right, left);
          } else {
            if (left.is_undefined() || right.is_undefined())
              throw_runtime((left.is_undefined() ? left : right).str());
            const int c = py_compare(left, right);
            r = op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0;
          }
          if (!r) return Value::boolean(false);
          left = std::move(right);
        }
        return Value::boolean(true);
      }
      case Expr::Type::kCond:
        if (truthy(eval(*e.a, frame))) return eval(*e.b, frame);
        if (e.c) return eval(*e.c, frame);
        return Value::undefined("the inline if-expression evaluated to false and no else section was defined.");
    }
  } catch (TemplateException& ex) {
    rethrow_at(ex, e);
  }
  return Value();
}

}  // namespace herd::chat
