// The recursive-descent parser shared by parser.cc (statements) and
// parse_expression.cc (expressions, in Jinja2's precedence order).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "chat/parser.h"

namespace herd::chat::detail {

class Parser {
 public:
  Parser(const std::vector<Token>& toks, const ParseLimits& limits) : toks_(toks), limits_(limits) {}

  StmtList parse_all() {
    std::string end;
    StmtList body = parse_body({}, &end);
    return body;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(const char* op) const { return cur().type == TokType::kOp && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == TokType::kName && cur().text == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }

  static std::string describe(const Token& t);

  [[noreturn]] void fail(const std::string& msg, const Token* at = nullptr) const;
  [[noreturn]] void unexpected() const { fail("unexpected " + describe(cur())); }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected '") + op + "', got " + describe(cur()));
  }
  std::string expect_name();
  void expect_block_end();

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > p_->limits_.max_depth) p_->fail("template nested too deeply");
    }
    ~DepthGuard() { --p_->depth_; }
    Parser* p_;
  };

  ExprPtr node(Expr::Type type, const Token& at);

  // ---- statements ----
  StmtList parse_body(std::initializer_list<const char*> ends, std::string* end_found);

  StmtPtr parse_statement();

  // (a, b=1, ...) of a macro or a call block.
  void parse_signature(Stmt* s, bool required_parens);

  // A name, a tuple of names, or (unless names_only) `ns.attr`.
  ExprPtr parse_assign_target(bool for_loop, const char* extra_end);

  void check_target(const Expr* e, const Token& start);

  // Filters applied in a filter block or a block set: `name(args) | name2 ...`.
  ExprPtr parse_filter_chain(ExprPtr input, bool need_one);

  // ---- expressions ----
  bool is_tuple_end(const char* extra_end) const;

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, bool explicit_parens, const char* extra_end = nullptr);

  ExprPtr parse_expression(bool with_condexpr);

  ExprPtr parse_condexpr();

  ExprPtr binary(Expr::Type type, const Token& at, ExprPtr l, ExprPtr r, std::string op = {});

  ExprPtr parse_or();

  ExprPtr parse_and();

  ExprPtr parse_not();

  ExprPtr parse_compare();

  ExprPtr parse_math1();

  ExprPtr parse_concat();

  ExprPtr parse_math2();

  ExprPtr parse_pow();

  ExprPtr parse_unary(bool with_filter);

  ExprPtr parse_primary();

  ExprPtr parse_postfix(ExprPtr e);

  ExprPtr parse_filter_expr(ExprPtr e);

  ExprPtr parse_subscript(ExprPtr obj);

  ExprPtr parse_subscribed();

  void parse_call_args(Expr* e);

  ExprPtr parse_call(ExprPtr callee);

  std::string parse_dotted_name();

  ExprPtr parse_filter(ExprPtr input);

  ExprPtr parse_test(ExprPtr input);

  const std::vector<Token>& toks_;
  ParseLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace herd::chat::detail
