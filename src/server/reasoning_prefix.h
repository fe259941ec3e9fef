// A constraint for a prompt that opened a think block (DeepSeek-R1's generation prompt ends in
// "<think>\n"): the model first finishes its reasoning, freely, then the constraint applies to
// the answer. Without this, a JSON answer or a forced tool call would be written inside the
// reasoning and come back as reasoning_content.
#pragma once

#include <string>

#include "base/status.h"
#include "grammar/grammar.h"

namespace herd::server {

// `answer` preceded by reasoning text (no "</" in it) and `close` ("</think>"), then optional
// whitespace.
Result<grammar::Grammar> after_open_reasoning(const grammar::Grammar& answer, const std::string& close);

}  // namespace herd::server
