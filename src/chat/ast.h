// The syntax tree of a parsed template: one node struct for expressions, one for
// statements, each with the line and column of its first token.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace herd::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

struct Expr {
  enum class Type {
    kLiteral,  // literal
    kName,     // name
    kList,     // children
    kTuple,    // children
    kDict,     // children: key, value, key, value, ...
    kAttr,     // a.name
    kItem,     // a[b]
    kSlice,    // a:b:c (each may be null)
    kCall,     // a(children..., kwargs...); b: *args, c: **kwargs
    kFilter,   // a | name(children..., kwargs...); a is null in a filter block
    kTest,     // a is [not] name(children...)
    kUnary,    // name a ("-" or "+")
    kNot,      // not a
    kBinary,   // a name b (+ - * / // % **)
    kConcat,   // children joined with ~
    kAnd,      // a and b
    kOr,       // a or b
    kCompare,  // a ops[0] children[0] ops[1] children[1] ...
    kCond,     // b if a else c (c may be null)
  };
  Type type = Type::kLiteral;
  int line = 0;
  int column = 0;
  Value literal;
  std::string name;
  bool negated = false;
  ExprPtr a, b, c;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null: required
};

struct Stmt {
  enum class Type {
    kText,         // text
    kPrint,        // {{ expr }}
    kIf,           // branches (cond, body); else_body
    kFor,          // for target in expr [if cond] [recursive]: body; else_body
    kSet,          // set target = expr
    kSetBlock,     // set name [| filters]: body
    kMacro,        // macro name(params): body
    kCallBlock,    // call(params) expr: body
    kFilterBlock,  // filter filters: body
    kWith,         // with targets = values: body
    kScope,        // generation (and similar transparent blocks): body
    kBreak,
    kContinue,
  };
  Type type = Type::kText;
  int line = 0;
  int column = 0;
  std::string text;
  std::string name;
  ExprPtr expr;
  ExprPtr target;
  ExprPtr cond;
  ExprPtr filter;  // the filter chain (kFilter nodes nested through `a`, innermost a null)
  bool recursive = false;
  // Macros and call blocks: whether the body reads varargs / kwargs / caller (Jinja2
  // refuses extra arguments otherwise).
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
  std::vector<std::pair<ExprPtr, StmtList>> branches;
  std::vector<std::pair<ExprPtr, ExprPtr>> assignments;  // with
  std::vector<MacroParam> params;
  StmtList body;
  StmtList else_body;
};

}  // namespace herd::chat
