// Puts one grammar inside another: the host's rule `name` becomes the guest's root, with all the
// guest's rules appended (references are indices, so names never clash). This is how a tool
// call's wrapper ("<tool_call>{\"name\": ..., \"arguments\": ARGS}</tool_call>") gets each
// tool's parameter schema as its ARGS.
#pragma once

#include <string_view>

#include "base/status.h"
#include "grammar/grammar.h"

namespace herd::grammar {

// kNotFound when the host has no rule `name`. The rule's own alternatives are replaced.
Status graft_rule(Grammar* host, std::string_view name, const Grammar& guest);

}  // namespace herd::grammar
