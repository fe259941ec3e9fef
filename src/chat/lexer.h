// Splits a Jinja2 template into text and tag tokens, applying Jinja2's whitespace
// rules: `{%- -%}` markers, trim_blocks, lstrip_blocks, comments, raw blocks and the
// dropped trailing newline (keep_trailing_newline=False).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herd::chat {

enum class TokType { kText, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof };

struct Token {
  TokType type = TokType::kEof;
  std::string text;  // text, name, operator, or the decoded string literal
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
  int column = 1;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
};

// Throws TemplateException (kSyntax) with the line and column of the problem.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options);

}  // namespace herd::chat
