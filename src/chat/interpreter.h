// Runs a parsed template: statements, expressions, scoping, macros, loops, and the
// attribute/item lookup rules of Jinja2's ImmutableSandboxedEnvironment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/ast.h"
#include "chat/value.h"

namespace herd::chat {

struct InterpreterConfig {
  size_t max_output_bytes = 4u << 20;  // also bounds any single string built
  int max_call_depth = 100;            // macro calls and recursive loops
  int64_t max_steps = 5'000'000;       // loop iterations, calls, filtered items
  // strftime_now(format) -> text
  std::function<std::string(const std::string&)> strftime_now;
};

struct Frame {
  std::shared_ptr<Frame> parent;
  std::vector<std::pair<std::string, Value>> vars;
  Value* find_local(std::string_view name);
  void set(std::string_view name, Value v);
};
using FramePtr = std::shared_ptr<Frame>;

class Namespace;

class Interpreter {
 public:
  explicit Interpreter(InterpreterConfig config);
  ~Interpreter();

  // Renders `body` with `context` (a dict) as the template's variables.
  std::string render(const StmtList& body, const Dict& context);

  // Services for filters, tests, methods and builtins.
  Value call(const Value& callee, CallArgs& args);
  Value filter(std::string_view name, Value input, CallArgs& args);
  bool test(std::string_view name, const Value& v, CallArgs& args);
  Value get_attr(const Value& obj, std::string_view name);
  Value get_item(const Value& obj, const Value& key);
  // Follows "a.b.0" as Jinja's attribute= arguments do.
  Value get_path(const Value& obj, const std::string& path);
  void tick(int64_t n = 1);
  void check_size(size_t bytes) const;
  const InterpreterConfig& config() const { return config_; }
  Value make_namespace(Dict attrs);

  // Used by macros and loop objects.
  Value call_macro(const Stmt& def, const FramePtr& closure, CallArgs& args, const Value* caller);
  std::string run_loop(const Stmt& loop, const FramePtr& frame, const Value& iterable, int depth);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  Flow exec_list(const StmtList& list, const FramePtr& frame);
  Flow exec(const Stmt& s, const FramePtr& frame);
  Flow exec_for(const Stmt& s, const FramePtr& frame, const Value& iterable, int depth);
  Value eval(const Expr& e, const FramePtr& frame);
  Value eval_call(const Expr& e, const FramePtr& frame);
  void eval_args(const Expr& e, const FramePtr& frame, CallArgs* args);
  Value eval_slice(const Value& obj, const Expr& slice, const FramePtr& frame);
  Value lookup(const std::string& name, const FramePtr& frame);
  void assign(const Expr& target, Value value, const FramePtr& frame);
  std::string capture(const StmtList& body, const FramePtr& frame);
  Value apply_filter_chain(const Expr* chain, Value input, const FramePtr& frame);
  void emit(std::string_view text);

  InterpreterConfig config_;
  FramePtr globals_;
  std::string* out_ = nullptr;
  int64_t steps_ = 0;
  int call_depth_ = 0;
  std::vector<std::weak_ptr<Namespace>> namespaces_;
};

}  // namespace herd::chat
