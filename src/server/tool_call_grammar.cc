#include "server/tool_call_grammar.h"

#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_graft.h"
#include "grammar/json_schema_gbnf.h"

namespace herd::server {
namespace {

using Json = nlohmann::ordered_json;

struct Wrapper {
  std::string before_all, before_call, name_prefix, args_key, after_call, separator, after_all;
};

// The text around calls, per format, as the model family writes it.
Wrapper wrapper_for(chat::ToolCallFormat format) {
  switch (format) {
    case chat::ToolCallFormat::kHermes:
      return {"", "<tool_call>\\n{\\\"name\\\": ", "", "arguments", "}\\n</tool_call>", "\\n", ""};
    case chat::ToolCallFormat::kLlama3:
      return {"", "{\\\"name\\\": ", "", "parameters", "}", "; ", ""};
    case chat::ToolCallFormat::kMistral:
      return {"[TOOL_CALLS][", "{\\\"name\\\": ", "", "arguments", "}", ", ", "]"};
    default:
      return {"{\\\"tool_calls\\\": [", "{\\\"name\\\": ", "", "arguments", "}", ", ", "]}"};
  }
}

bool writable(chat::ToolCallFormat f) {
  return f == chat::ToolCallFormat::kHermes || f == chat::ToolCallFormat::kLlama3 ||
         f == chat::ToolCallFormat::kMistral || f == chat::ToolCallFormat::kGeneric;
}

}  // namespace

chat::ToolCallFormat forced_call_format(chat::ToolCallFormat detected) {
  return writable(detected) ? detected : chat::ToolCallFormat::kGeneric;
}

Result<ToolCallGrammar> tool_call_grammar(chat::ToolCallFormat format, const ToolsRequest& tools) {
  ToolCallGrammar out;
  out.format = forced_call_format(format);
  const Wrapper w = wrapper_for(out.format);
  // The functions the model may call: one when named.
  std::vector<const Json*> functions;
  for (const Json& t : tools.tools) {
    const Json& f = t["function"];
    if (tools.choice.mode == ToolChoice::Mode::kNamed && f["name"] != tools.choice.name) continue;
    functions.push_back(&f);
  }
  if (functions.empty()) return invalid_argument("no tool to call");
  // The wrapper in GBNF, each function's arguments a placeholder rule grafted below.
  std::string gbnf = "root ::= \"" + w.before_all + "\" call";
  if (tools.parallel_tool_calls) gbnf += " (\"" + w.separator + "\" call)*";
  gbnf += " \"" + w.after_all + "\"\n";
  gbnf += "call ::= \"" + w.before_call + "\" (";
  for (size_t i = 0; i < functions.size(); ++i) {
    const std::string name = (*functions[i])["name"].get<std::string>();  // [a-zA-Z0-9_-]: safe in quotes
    gbnf += (i ? " | " : "") + std::string("\"\\\"") + name + "\\\", \\\"" + w.args_key + "\\\": \" args" +
            std::to_string(i);
  }
  gbnf += ") \"" + w.after_call + "\"\n";
  for (size_t i = 0; i < functions.size(); ++i) gbnf += "args" + std::to_string(i) + " ::= \"{}\"\n";
  HERD_ASSIGN_OR_RETURN(out.grammar, grammar::parse_gbnf(gbnf));
  for (size_t i = 0; i < functions.size(); ++i) {
    const Json& f = *functions[i];
    Json schema = f.contains("parameters") && f["parameters"].is_object() ? f["parameters"] : Json{{"type", "object"}};
    Result<grammar::Grammar> args = grammar::compile_json_schema(schema);
    if (!args.ok()) {
      return invalid_argument("the parameters of tool '" + f["name"].get<std::string>() + "': " + args.status().message());
    }
    HERD_RETURN_IF_ERROR(grammar::graft_rule(&out.grammar, "args" + std::to_string(i), *args));
  }
  return out;
}

}  // namespace herd::server
