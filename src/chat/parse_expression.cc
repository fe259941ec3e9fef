// Expressions, from the conditional expression down to primaries, with Jinja2's
// precedence: or, and, not, comparisons, + -, ~, * / // %, **, unary, filters/tests.
#include "chat/parser_internal.h"

namespace herd::chat::detail {

bool Parser::is_tuple_end(const char* extra_end) const {
  if (cur().type == TokType::kVarEnd || cur().type == TokType::kBlockEnd || cur().type == TokType::kEof) return true;
  if (is_op(")")) return true;
  if (extra_end && cur().type == TokType::kName && cur().text == extra_end) return true;
  return false;
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr, bool explicit_parens, const char* extra_end) {
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

ExprPtr Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(this);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
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

ExprPtr Parser::binary(Expr::Type type, const Token& at, ExprPtr l, ExprPtr r, std::string op) {
  auto e = node(type, at);
  e->a = std::move(l);
  e->b = std::move(r);
  e->name = std::move(op);
  return e;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (is_name("or")) {
    const Token at = cur();
    advance();
    left = binary(Expr::Type::kOr, at, std::move(left), parse_and());
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (is_name("and")) {
    const Token at = cur();
    advance();
    left = binary(Expr::Type::kAnd, at, std::move(left), parse_not());
  }
  return left;
}

ExprPtr Parser::parse_not() {
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

ExprPtr Parser::parse_compare() {
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

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (is_op("+") || is_op("-")) {
    const Token at = cur();
    advance();
    left = binary(Expr::Type::kBinary, at, std::move(left), parse_concat(), at.text);
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  const Token start = cur();
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto e = node(Expr::Type::kConcat, start);
  e->children.push_back(std::move(first));
  while (skip_op("~")) e->children.push_back(parse_math2());
  return e;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const Token at = cur();
    advance();
    left = binary(Expr::Type::kBinary, at, std::move(left), parse_pow(), at.text);
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (is_op("**")) {
    const Token at = cur();
    advance();
    left = binary(Expr::Type::kBinary, at, std::move(left), parse_unary(true), "**");
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
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

ExprPtr Parser::parse_primary() {
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

ExprPtr Parser::parse_postfix(ExprPtr e) {
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

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
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

ExprPtr Parser::parse_subscript(ExprPtr obj) {
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

ExprPtr Parser::parse_subscribed() {
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

void Parser::parse_call_args(Expr* e) {
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

ExprPtr Parser::parse_call(ExprPtr callee) {
  auto e = node(Expr::Type::kCall, cur());
  e->a = std::move(callee);
  parse_call_args(e.get());
  return e;
}

std::string Parser::parse_dotted_name() {
  std::string n = expect_name();
  while (is_op(".") && peek().type == TokType::kName) {
    advance();
    n += "." + expect_name();
  }
  return n;
}

ExprPtr Parser::parse_filter(ExprPtr input) {
  auto e = node(Expr::Type::kFilter, cur());
  e->name = parse_dotted_name();
  e->a = std::move(input);
  if (is_op("(")) parse_call_args(e.get());
  return e;
}

ExprPtr Parser::parse_test(ExprPtr input) {
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

}  // namespace herd::chat::detail
