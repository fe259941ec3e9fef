#include "chat/parser.h"

#include "chat/parser_internal.h"

namespace herd::chat {
namespace detail {
namespace {

// Whether `name` is read anywhere in the expression or statements (nested macros too,
// as Jinja2's own analysis does).
bool expr_reads(const Expr* e, const std::string& name) {
  if (!e) return false;
  if (e->type == Expr::Type::kName && e->name == name) return true;
  if (expr_reads(e->a.get(), name) || expr_reads(e->b.get(), name) || expr_reads(e->c.get(), name)) return true;
  for (const auto& c : e->children)
    if (expr_reads(c.get(), name)) return true;
  for (const auto& kv : e->kwargs)
    if (expr_reads(kv.second.get(), name)) return true;
  return false;
}

bool body_reads(const StmtList& body, const std::string& name) {
  for (const auto& s : body) {
    if (expr_reads(s->expr.get(), name) || expr_reads(s->cond.get(), name) || expr_reads(s->filter.get(), name))
      return true;
    for (const auto& [cond, b] : s->branches)
      if (expr_reads(cond.get(), name) || body_reads(b, name)) return true;
    for (const auto& [t, v] : s->assignments)
      if (expr_reads(v.get(), name)) return true;
    for (const auto& p : s->params)
      if (expr_reads(p.default_value.get(), name)) return true;
    if (body_reads(s->body, name) || body_reads(s->else_body, name)) return true;
  }
  return false;
}

void note_reads(Stmt* s) {
  s->uses_varargs = body_reads(s->body, "varargs");
  s->uses_kwargs = body_reads(s->body, "kwargs");
  s->uses_caller = body_reads(s->body, "caller");
}

}  // namespace

std::string Parser::describe(const Token& t) {
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

void Parser::fail(const std::string& msg, const Token* at) const {
  const Token& t = at ? *at : cur();
  throw TemplateException{TemplateException::Type::kSyntax, msg, t.line, t.column};
}

std::string Parser::expect_name() {
  if (cur().type != TokType::kName) fail("expected a name, got " + describe(cur()));
  std::string n = cur().text;
  advance();
  return n;
}

void Parser::expect_block_end() {
  if (cur().type != TokType::kBlockEnd) fail("expected end of statement block, got " + describe(cur()));
  advance();
}

ExprPtr Parser::node(Expr::Type type, const Token& at) {
  auto e = std::make_unique<Expr>();
  e->type = type;
  e->line = at.line;
  e->column = at.column;
  return e;
}

StmtList Parser::parse_body(std::initializer_list<const char*> ends, std::string* end_found) {
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

StmtPtr Parser::parse_statement() {
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
    note_reads(s.get());
    if (cur().type == TokType::kName) advance();  // {% endmacro name %}
  } else if (k == "call") {
    s->type = Stmt::Type::kCallBlock;
    if (is_op("(")) parse_signature(s.get(), false);
    s->expr = parse_expression(true);
    if (s->expr->type != Expr::Type::kCall) fail("expected a call", &kw);
    expect_block_end();
    s->body = parse_body({"endcall"}, &end);
    note_reads(s.get());
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

void Parser::parse_signature(Stmt* s, bool required_parens) {
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

ExprPtr Parser::parse_assign_target(bool for_loop, const char* extra_end) {
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

void Parser::check_target(const Expr* e, const Token& start) {
  if (e->type == Expr::Type::kName) return;
  if (e->type == Expr::Type::kTuple) {
    for (const auto& c : e->children) check_target(c.get(), start);
    return;
  }
  fail("can't assign to this expression", &start);
}

ExprPtr Parser::parse_filter_chain(ExprPtr input, bool need_one) {
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

}  // namespace detail

StmtList parse_template(const std::vector<Token>& tokens, const ParseLimits& limits) {
  return detail::Parser(tokens, limits).parse_all();
}

}  // namespace herd::chat
