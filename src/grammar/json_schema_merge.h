// allOf as one schema, for the JSON schema compiler: the members (a "$ref" member replaced by
// what it points to) and the keywords next to allOf merged keyword by keyword. properties are
// joined (a property in several members gets the allOf of its schemas), required lists united,
// type lists intersected, lower bounds raised and upper bounds lowered, nullable kept only where
// every member has it; any other keyword must be equal wherever it appears more than once.
#pragma once

#include <string>

#include "base/status.h"
#include "grammar/json_schema_compiler.h"

namespace herd::grammar {

// Merging copies schemas, and members that refer to each other can ask for exponentially many
// copies ({"allOf":[B,B]} where B is {"allOf":[C,C]}...): every JSON value copied is charged to
// `copy_budget`, shared by all merges of one compile.
constexpr size_t kMaxMergeCopiedValues = size_t{1} << 18;

// kInvalidArgument names a keyword the members disagree on (or a member that is not a schema),
// or says the copy budget ran out.
Result<SchemaJson> merge_all_of(const SchemaJson& root, const SchemaJson& schema, const std::string& pointer,
                                size_t max_depth, size_t& copy_budget);

}  // namespace herd::grammar
