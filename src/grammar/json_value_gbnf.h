// The GBNF rules of plain JSON that the schema and regex compilers build on, each defined in a
// GbnfWriter the first time it is asked for (so a grammar carries only what it uses).
//
//   ws       one space, or a line break and at most 8 spaces or tabs, or nothing: a sampler
//            cannot loop on whitespace (models that like spaces would spend most of their
//            tokens there), yet two-space indented output four levels deep fits
//   char     one JSON string character: anything but '"', '\' and controls, or an escape
//            (\uXXXX never a surrogate: a pair would be one character counted as two)
//   string   '"' char* '"'
//   integer  -?(0|[1-9][0-9]{0,17}) (fits int64; see kOpenIntegerBound)
//   number   integer, then an optional fraction of 1-16 digits and exponent of 1-2 digits
//   value    any JSON value (object, array, string, number, true, false, null), recursively
#pragma once

#include <string>

#include "grammar/gbnf_writer.h"

namespace herd::grammar {

// Each returns the rule's name ("ws", "char", ...) after defining it and what it uses.
std::string json_ws_rule(GbnfWriter& w);
std::string json_char_rule(GbnfWriter& w);
std::string json_string_rule(GbnfWriter& w);
std::string json_integer_rule(GbnfWriter& w);
std::string json_number_rule(GbnfWriter& w);
std::string json_boolean_rule(GbnfWriter& w);
std::string json_null_rule(GbnfWriter& w);
std::string json_value_rule(GbnfWriter& w);
std::string json_object_rule(GbnfWriter& w);  // any object
std::string json_array_rule(GbnfWriter& w);   // any array
// Reserves every name above, so rules named from schema text never take them.
void reserve_json_rule_names(GbnfWriter& w);

}  // namespace herd::grammar
