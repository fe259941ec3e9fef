// Builds the syntax tree from the lexer's tokens, following Jinja2's grammar and
// operator precedence.
#pragma once

#include <vector>

#include "chat/ast.h"
#include "chat/lexer.h"

namespace herd::chat {

struct ParseLimits {
  int max_depth = 200;  // nesting of expressions and blocks
};

// Throws TemplateException (kSyntax) with the line and column of the offending token.
StmtList parse_template(const std::vector<Token>& tokens, const ParseLimits& limits);

}  // namespace herd::chat
