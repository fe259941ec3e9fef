// The string formats of JSON schema that herd enforces, as GBNF for a string's contents (the
// part between the quotes; none of these need JSON escapes):
//   date       RFC 3339 full-date YYYY-MM-DD, days checked against the month, Feb 29 only in
//              leap years (Gregorian: divisible by 4, centuries only by 400)
//   time       RFC 3339 full-time HH:MM:SS, optional 1-9 fraction digits, then Z or +HH:MM/-HH:MM
//              (hours 00-23, minutes and seconds 00-59: no leap second; upper-case T and Z only)
//   date-time  date "T" time
//   uuid       8-4-4-4-12 hex digits (either case)
//   email      a practical subset of RFC 5322: dot-atom local part (letters, digits and
//              !#$%&'*+/=?^_`{|}~- in dot-separated runs, at most 64 characters) "@" a domain of
//              two or more dot-separated labels (letters, digits, inner hyphens, 1-63 characters)
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "grammar/gbnf_writer.h"

namespace herd::grammar {

// The name of a rule (added to `writer`) for the contents; kInvalidArgument for any other format.
Result<std::string> string_format_gbnf(std::string_view format, GbnfWriter& writer);

}  // namespace herd::grammar
