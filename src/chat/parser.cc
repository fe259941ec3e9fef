#include "chat/parser.h"

#include <algorithm>
#include <initializer_list>

namespace herd::chat {
namespace {

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

  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokType::kEof: return "end of template";
      case TokType::kVarEnd: return "end of print statement";
      case TokType::kBlockEnd: return "end of statement block";
      case TokType::kVarBegin: return "begin of print statement";
      case TokType::kBlockBegin: return "begin of statement block";
      case TokType::kText: return "template data";
      case TokType::kString: return "string";
      default: return "'" + t.text + "'";
    }
  }

  [[noreturn]] void fail(const std::string& msg, const Token* at = nullptr) const {
    const Token& t = at ? *at : cur();
    throw TemplateException{TemplateException::Type::kSyntax, msg, t.line, t.column};
  }
  [[noreturn]] void unexpected() const { fail("unexpected " + describe(cur())); }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected '") + op + "', got " + describe(cur()));
  }
  std::string expect_name() {
    if (cur().type != TokType::kName) fail("expected a name, got " + describe(cur()));
    std::string n = cur().text;
    advance();
    return n;
  }
  void expect_block_end() {
    if (cur().type != TokType::kBlockEnd) fail("expected end of statement block, got " + describe(cur()));
    advance();
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > p_->limits_.max_depth) p_->fail("template nested too deeply");
    }
    ~DepthGuard() { --p_->depth_; }
    Parser* p_;
  };

  ExprPtr node(Expr::Type type, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->type = type;
    e->line = at.line;
    e->column = at.column;
    return e;
  }

  // ---- statements ----
  StmtList parse_body(std::initializer_list<const char*> ends, std::string* end_found) {
    DepthGuard guard(this);
    StmtList out;
    while (true) {
      const Token& t = cur();
      if (t.type == TokType::kEof) {
        if (ends.size() == 0) return out;
        std::string names;
        for (const char* e : ends) names += std::string(names.empty() ? "" : " or ") + "'" + e + "'";
        fail("unexpected end of template; looking for " + names);
      }
      if (t.type == TokType::kText) {
        auto s = std::make_unique<Stmt>();
        s->type = Stmt::Type::kText;
        s->text = t.text;
        s->line = t.line;
        s->column = t.column;
        out.push_back(std::move(s));
        advance();
      } else if (t.type == TokType::kVarBegin) {
        advance();
        auto s = std::make_unique<Stmt>();
        s->type = Stmt::Type::kPrint;
        s->line = cur().line;
        s->column = cur().column;
        s->expr = parse_tuple(false, true, false);
        if (cur().type != TokType::kVarEnd) fail("expected end of print statement, got " + describe(cur()));
        advance();
        out.push_back(std::move(s));
      } else if (t.type == TokType::kBlockBegin) {
        advance();
        if (cur().type != TokType::kName) fail("expected a statement name, got " + describe(cur()));
        for (const char* e : ends) {
          if (cur().text == e) {
            *end_found = e;
            advance();
            return out;
          }
        }
        out.push_back(parse_statement());
      } else {
        unexpected();
      }
    }
  }

  StmtPtr parse_statement() {
    const Token kw = cur();
    auto s = std::make_unique<Stmt>();
    s->line = kw.line;
    s->column = kw.column;
    const std::string& k = kw.text;
    advance();
    std::string end;
    if (k == "if") {
      s->type = Stmt::Type::kIf;
      ExprPtr cond = parse_tuple(false, true, false);
      expect_block_end();
      while (true) {
        StmtList body = parse_body({"elif", "else", "endif"}, &end);
        s->branches.emplace_back(std::move(cond), std::move(body));
        if (end == "elif") {
          cond = parse_tuple(false, true, false);
          expect_block_end();
          continue;
        }
        if (end == "else") {
          expect_block_end();
          s->else_body = parse_body({"endif"}, &end);
        }
        break;
      }
    } else if (k == "for") {
      s->type = Stmt::Type::kFor;
      s->target = parse_assign_target(true, "in");
      if (!skip_name("in")) fail("expected 'in', got " + describe(cur()));
      s->expr = parse_tuple(false, false, false, "recursive");
      if (skip_name("if")) s->cond = parse_expression(true);
      if (skip_name("recursive")) s->recursive = true;
      expect_block_end();
      s->body = parse_body({"endfor", "else"}, &end);
      if (end == "else") {
        expect_block_end();
        s->else_body = parse_body({"endfor"}, &end);
      }
    } else if (k == "set") {
      s->target = parse_assign_target(false, nullptr);
      if (skip_op("=")) {
        s->type = Stmt::Type::kSet;
        s->expr = parse_tuple(false, true, false);
      } else {
        s->type = Stmt::Type::kSetBlock;
        if (s->target->type != Expr::Type::kName) fail("a block set needs a plain name");
        s->filter = parse_filter_chain(nullptr, false);
        expect_block_end();
        s->body = parse_body({"endset"}, &end);
      }
    } else if (k == "macro") {
      s->type = Stmt::Type::kMacro;
      s->name = expect_name();
      parse_signature(s.get(), true);
      expect_block_end();
      s->body = parse_body({"endmacro"}, &end);
      if (cur().type == TokType::kName) advance();  // {% endmacro name %}
    } else if (k == "call") {
      s->type = Stmt::Type::kCallBlock;
      if (is_op("(")) parse_signature(s.get(), false);
      s->expr = parse_expression(true);
      if (s->expr->type != Expr::Type::kCall) fail("expected a call", &kw);
      expect_block_end();
      s->body = parse_body({"endcall"}, &end);
    } else if (k == "filter") {
      s->type = Stmt::Type::kFilterBlock;
      s->filter = parse_filter_chain(nullptr, true);
      expect_block_end();
      s->body = parse_body({"endfilter"}, &end);
    } else if (k == "with") {
      s->type = Stmt::Type::kWith;
      while (cur().type != TokType::kBlockEnd) {
        if (!s->assignments.empty()) expect_op(",");
        ExprPtr target = parse_assign_target(false, nullptr);
        expect_op("=");
        s->assignments.emplace_back(std::move(target), parse_expression(true));
      }
      expect_block_end();
      s->body = parse_body({"endwith"}, &end);
    } else if (k == "generation") {
      s->type = Stmt::Type::kScope;
      expect_block_end();
      s->body = parse_body({"endgeneration"}, &end);
    } else if (k == "break" || k == "continue") {
      s->type = k == "break" ? Stmt::Type::kBreak : Stmt::Type::kContinue;
    } else {
      fail("encountered unknown tag '" + k + "'", &kw);
    }
    // A simple statement's tag ends here; a block's end tag name was consumed by parse_body.
    expect_block_end();
    return s;
  }

  // (a, b=1, ...) of a macro or a call block.
  void parse_signature(Stmt* s, bool required_parens) {
    if (!required_parens && !is_op("(")) return;
    expect_op("(");
    while (!is_op(")")) {
      if (!s->params.empty()) expect_op(",");
      if (is_op(")")) break;
      MacroParam p;
      p.name = expect_name();
      if (skip_op("=")) p.default_value = parse_expression(true);
      s->params.push_back(std::move(p));
    }
    expect_op(")");
  }

  // A name, a tuple of names, or (unless names_only) `ns.attr`.
  ExprPtr parse_assign_target(bool for_loop, const char* extra_end) {
    const Token start = cur();
    if (!for_loop && cur().type == TokType::kName && peek().type == TokType::kOp && peek().text == ".") {
      auto e = node(Expr::Type::kAttr, start);
      auto obj = node(Expr::Type::kName, start);
      obj->name = expect_name();
      advance();  // .
      e->name = expect_name();
      e->a = std::move(obj);
      return e;
    }
    ExprPtr t = parse_tuple(true, true, false, extra_end);
    check_target(t.get(), start);
    return t;
  }

  void check_target(const Expr* e, const Token& start) {
    if (e->type == Expr::Type::kName) return;
    if (e->type == Expr::Type::kTuple) {
      for (const auto& c : e->children) check_target(c.get(), start);
      return;
    }
    fail("can't assign to this expression", &start);
  }

  // Filters applied in a filter block or a block set: `name(args) | name2 ...`.
  ExprPtr parse_filter_chain(ExprPtr input, bool need_one) {
    ExprPtr cur_expr = std::move(input);
    bool first = true;
    while (true) {
      if (first && need_one) {
        cur_expr = parse_filter(std::move(cur_expr));
      } else if (skip_op("|")) {
        cur_expr = parse_filter(std::move(cur_expr));
      } else {
        break;
      }
      first = false;
    }
    return cur_expr;
  }

  // ---- expressions ----
  bool is_tuple_end(const char* extra_end) const {
    if (cur().type == TokType::kVarEnd || cur().type == TokType::kBlockEnd || cur().type == TokType::kEof) return true;
    if (is_op(")")) return true;
    if (extra_end && cur().type == TokType::kName && cur().text == extra_end) return true;
    return false;
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, bool explicit_parens, const char* extra_end = nullptr) {
    const Token start = cur();
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      if (simplified) {
        args.push_back(parse_primary());
      } else {
        args.push_back(parse_expression(with_condexpr));
      }
      if (is_op(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail("expected an expression, got " + describe(cur()));
    }
    auto t = node(Expr::Type::kTuple, start);
    t->children = std::move(args);
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    ExprPtr expr1 = parse_or();
    while (is_name("if")) {
      const Token at = cur();
      advance();
      ExprPtr expr2 = parse_or();
      ExprPtr expr3;
      if (skip_name("else")) expr3 = parse_condexpr();
      auto c = node(Expr::Type::kCond, at);
      c->a = std::move(expr2);
      c->b = std::move(expr1);
      c->c = std::move(expr3);
      expr1 = std::move(c);
    }
    return expr1;
  }

  ExprPtr binary(Expr::Type type, const Token& at, ExprPtr l, ExprPtr r, std::string op = {}) {
    auto e = node(type, at);
    e->a = std::move(l);
    e->b = std::move(r);
    e->name = std::move(op);
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      const Token at = cur();
      advance();
      left = binary(Expr::Type::kOr, at, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      const Token at = cur();
      advance();
      left = binary(Expr::Type::kAnd, at, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(this);
      const Token at = cur();
      advance();
      auto e = node(Expr::Type::kNot, at);
      e->a = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token start = cur();
    ExprPtr expr = parse_math1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      if (cur().type == TokType::kOp &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == ">" ||
           cur().text == "<=" || cur().text == ">=")) {
        ops.push_back(cur().text);
        advance();
      } else if (is_name("in")) {
        ops.push_back("in");
        advance();
      } else if (is_name("not") && peek().type == TokType::kName && peek().text == "in") {
        ops.push_back("notin");
        advance();
        advance();
      } else {
        break;
      }
      operands.push_back(parse_math1());
    }
    if (ops.empty()) return expr;
    auto e = node(Expr::Type::kCompare, start);
    e->a = std::move(expr);
    e->ops = std::move(ops);
    e->children = std::move(operands);
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token at = cur();
      advance();
      left = binary(Expr::Type::kBinary, at, std::move(left), parse_concat(), at.text);
    }
    return left;
  }

  ExprPtr parse_concat() {
    const Token start = cur();
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto e = node(Expr::Type::kConcat, start);
    e->children.push_back(std::move(first));
    while (skip_op("~")) e->children.push_back(parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token at = cur();
      advance();
      left = binary(Expr::Type::kBinary, at, std::move(left), parse_pow(), at.text);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      const Token at = cur();
      advance();
      left = binary(Expr::Type::kBinary, at, std::move(left), parse_unary(true), "**");
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token at = cur();
      advance();
      e = node(Expr::Type::kUnary, at);
      e->name = at.text;
      e->a = parse_unary(false);
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(this);
    const Token t = cur();
    switch (t.type) {
      case TokType::kName: {
        advance();
        auto e = node(Expr::Type::kLiteral, t);
        if (t.text == "true" || t.text == "True") {
          e->literal = Value::boolean(true);
        } else if (t.text == "false" || t.text == "False") {
          e->literal = Value::boolean(false);
        } else if (t.text == "none" || t.text == "None") {
          e->literal = Value::none();
        } else {
          e->type = Expr::Type::kName;
          e->name = t.text;
        }
        return e;
      }
      case TokType::kString: {
        std::string s;
        while (cur().type == TokType::kString) {
          s += cur().text;
          advance();
        }
        auto e = node(Expr::Type::kLiteral, t);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case TokType::kInt:
      case TokType::kFloat: {
        advance();
        auto e = node(Expr::Type::kLiteral, t);
        e->literal = t.type == TokType::kInt ? Value::integer(t.int_value) : Value::floating(t.float_value);
        return e;
      }
      case TokType::kOp:
        if (t.text == "(") {
          advance();
          ExprPtr e = parse_tuple(false, true, true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          advance();
          auto e = node(Expr::Type::kList, t);
          while (!is_op("]")) {
            if (!e->children.empty()) expect_op(",");
            if (is_op("]")) break;
            e->children.push_back(parse_expression(true));
          }
          expect_op("]");
          return e;
        }
        if (t.text == "{") {
          advance();
          auto e = node(Expr::Type::kDict, t);
          while (!is_op("}")) {
            if (!e->children.empty()) expect_op(",");
            if (is_op("}")) break;
            e->children.push_back(parse_expression(true));
            expect_op(":");
            e->children.push_back(parse_expression(true));
          }
          expect_op("}");
          return e;
        }
        break;
      default: break;
    }
    unexpected();
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        advance();
        e = parse_filter(std::move(e));
      } else if (is_name("is")) {
        e = parse_test(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj) {
    const Token t = cur();
    advance();
    if (t.text == ".") {
      const Token attr = cur();
      if (attr.type == TokType::kName) {
        advance();
        auto e = node(Expr::Type::kAttr, t);
        e->a = std::move(obj);
        e->name = attr.text;
        return e;
      }
      if (attr.type == TokType::kInt) {
        advance();
        auto e = node(Expr::Type::kItem, t);
        e->a = std::move(obj);
        e->b = node(Expr::Type::kLiteral, attr);
        e->b->literal = Value::integer(attr.int_value);
        return e;
      }
      fail("expected name or number after '.'");
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) {
        expect_op(",");
        if (is_op("]")) break;
      }
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto e = node(Expr::Type::kItem, t);
    e->a = std::move(obj);
    if (args.size() == 1) {
      e->b = std::move(args[0]);
    } else {
      e->b = node(Expr::Type::kTuple, t);
      e->b->children = std::move(args);
    }
    return e;
  }

  ExprPtr parse_subscribed() {
    const Token start = cur();
    ExprPtr first;
    if (is_op(":")) {
      advance();
    } else {
      first = parse_expression(true);
      if (!is_op(":")) return first;
      advance();
    }
    auto s = node(Expr::Type::kSlice, start);
    s->a = std::move(first);
    if (!is_op(":") && !is_op("]") && !is_op(",")) s->b = parse_expression(true);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) s->c = parse_expression(true);
    }
    return s;
  }

  void parse_call_args(Expr* e) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) {
        expect_op(",");
        if (is_op(")")) break;
      }
      first = false;
      if (skip_op("**")) {
        e->c = parse_expression(true);
      } else if (skip_op("*")) {
        e->b = parse_expression(true);
      } else if (cur().type == TokType::kName && peek().type == TokType::kOp && peek().text == "=") {
        std::string key = cur().text;
        advance();
        advance();
        e->kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!e->kwargs.empty()) fail("positional argument after keyword argument");
        e->children.push_back(parse_expression(true));
      }
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto e = node(Expr::Type::kCall, cur());
    e->a = std::move(callee);
    parse_call_args(e.get());
    return e;
  }

  std::string parse_dotted_name() {
    std::string n = expect_name();
    while (is_op(".") && peek().type == TokType::kName) {
      advance();
      n += "." + expect_name();
    }
    return n;
  }

  ExprPtr parse_filter(ExprPtr input) {
    auto e = node(Expr::Type::kFilter, cur());
    e->name = parse_dotted_name();
    e->a = std::move(input);
    if (is_op("(")) parse_call_args(e.get());
    return e;
  }

  ExprPtr parse_test(ExprPtr input) {
    auto e = node(Expr::Type::kTest, cur());
    advance();  // is
    e->negated = skip_name("not");
    e->name = parse_dotted_name();
    e->a = std::move(input);
    const Token& t = cur();
    if (is_op("(")) {
      parse_call_args(e.get());
    } else if ((t.type == TokType::kName || t.type == TokType::kString || t.type == TokType::kInt ||
                t.type == TokType::kFloat || is_op("[") || is_op("{")) &&
               !(is_name("else") || is_name("or") || is_name("and"))) {
      if (is_name("is")) fail("you cannot chain multiple tests with is");
      e->children.push_back(parse_postfix(parse_primary()));
    }
    return e;
  }

  const std::vector<Token>& toks_;
  ParseLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

StmtList parse_template(const std::vector<Token>& tokens, const ParseLimits& limits) {
  return Parser(tokens, limits).parse_all();
}

}  // namespace herd::chat
