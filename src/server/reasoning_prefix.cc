#include "server/reasoning_prefix.h"

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_graft.h"

namespace herd::server {

Result<grammar::Grammar> after_open_reasoning(const grammar::Grammar& answer, const std::string& close) {
  std::string literal;
  for (char c : close) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  HERD_ASSIGN_OR_RETURN(grammar::Grammar g,
                        grammar::parse_gbnf("root ::= thinking \"" + literal + "\" [ \\n]{0,2} answer\n"
                                            "thinking ::= ([^<] | \"<\" [^/])*\n"
                                            "answer ::= \"x\"\n"));
  HERD_RETURN_IF_ERROR(grammar::graft_rule(&g, "answer", answer));
  return g;
}

}  // namespace herd::server
