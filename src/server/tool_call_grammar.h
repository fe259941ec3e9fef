// tool_choice "required" or a named function, enforced: a grammar under which the model can only
// write tool calls, in its own format (Hermes/Qwen "<tool_call>...</tool_call>", Llama 3's JSON
// object, Mistral's "[TOOL_CALLS][...]"; any other template gets the generic
// {"tool_calls": [...]} object), each call's arguments constrained by that function's
// parameter schema.
#pragma once

#include "base/status.h"
#include "chat/model_output_parser.h"
#include "grammar/grammar.h"
#include "server/openai_tools.h"

namespace herd::server {

struct ToolCallGrammar {
  grammar::Grammar grammar;
  chat::ToolCallFormat format;  // what the grammar writes: the output must be parsed with it
};

// The format a forced call is written in for a template of `detected` format: itself when the
// grammar can write it, else kGeneric.
chat::ToolCallFormat forced_call_format(chat::ToolCallFormat detected);

// `format`: the template's (kNone or a format the grammar cannot write falls back to kGeneric).
// With parallel_tool_calls, one or more calls; else exactly one. kInvalidArgument when a
// function's parameters are a schema herd cannot enforce (the message names the function).
Result<ToolCallGrammar> tool_call_grammar(chat::ToolCallFormat format, const ToolsRequest& tools);

}  // namespace herd::server
