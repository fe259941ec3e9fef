// The native objects a template can hold: namespaces, builtins, bound methods,
// macros (and call-block callers) and loop objects.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "chat/ast.h"
#include "chat/interpreter.h"
#include "chat/value.h"

namespace herd::chat {

class Namespace : public Object {
 public:
  explicit Namespace(Dict attrs);
  std::string type_name() const override { return "Namespace"; }
  std::string repr() const override;
  Value get_attr(std::string_view name) override;
  bool set_attr(std::string_view name, Value value) override;
  void clear() { attrs_.entries.clear(); }
  int nest_depth() const override { return depth_; }

 private:
  Dict attrs_;
  int depth_ = 1;
};

class Builtin : public Object {
 public:
  using Fn = std::function<Value(Interpreter&, CallArgs&)>;
  // `nest`: how deep the values captured by `fn` go.
  Builtin(std::string name, Fn fn, int nest = 0) : name_(std::move(name)), fn_(std::move(fn)), nest_(nest) {}
  int nest_depth() const override { return nest_; }
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override { return "<built-in function " + name_ + ">"; }
  bool callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override { return fn_(in, args); }

 private:
  std::string name_;
  Fn fn_;
  int nest_;
};

// `"abc".upper`, `d.items`: calling runs the str/dict/list method.
class BoundMethod : public Object {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {
    if (self_.nest() + 1 > kMaxValueNesting) throw_limit("value nested too deeply");
  }
  int nest_depth() const override { return self_.nest() + 1; }
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override;
  bool callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override;

 private:
  Value self_;
  std::string name_;
};

// A macro, or the `caller` of a call block. The closure is weak: frames hold macros,
// so a strong reference would be a cycle; an outlived closure falls back to the globals.
class Macro : public Object {
 public:
  Macro(const Stmt* def, const FramePtr& closure, std::string name, Value caller = {})
      : def_(def), closure_(closure), name_(std::move(name)), caller_(std::move(caller)) {}
  std::string type_name() const override { return "Macro"; }
  std::string repr() const override { return "<Macro '" + name_ + "'>"; }
  bool callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override;
  Value get_attr(std::string_view name) override;

 private:
  const Stmt* def_;
  std::weak_ptr<Frame> closure_;
  std::string name_;
  Value caller_;
};

class LoopObject : public Object {
 public:
  LoopObject(const Stmt* stmt, const FramePtr& frame, ValueList items, int depth)
      : stmt_(stmt), frame_(frame), items_(std::move(items)), depth_(depth) {
    for (const Value& v : items_) nest_ = std::max(nest_, v.nest() + 1);
    if (nest_ > kMaxValueNesting) throw_limit("value nested too deeply");
  }
  int nest_depth() const override { return nest_; }
  std::string type_name() const override { return "LoopContext"; }
  std::string repr() const override;
  bool callable() const override { return stmt_->recursive; }
  Value call(Interpreter& in, CallArgs& args) override;
  Value get_attr(std::string_view name) override;
  void set_index(size_t i) { index_ = i; }
  const ValueList& items() const { return items_; }

 private:
  const Stmt* stmt_;
  std::weak_ptr<Frame> frame_;
  ValueList items_;
  int depth_;
  size_t index_ = 0;
  Value last_changed_;
  bool changed_called_ = false;
  int nest_ = 0;
  friend class LoopCycle;
  friend class LoopChanged;
};

// range, dict, namespace, cycler, joiner, lipsum-free globals plus the chat-template
// globals raise_exception and strftime_now.
void install_builtins(Frame& globals);

// True when `name` is a method of `self`'s Python type that the sandbox allows.
bool has_method(const Value& self, std::string_view name);
// Methods the immutable sandbox refuses (list.append, dict.update, ...).
bool is_unsafe_method(const Value& self, std::string_view name);
Value call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args);

}  // namespace herd::chat
