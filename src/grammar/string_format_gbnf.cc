#include "grammar/string_format_gbnf.h"

namespace herd::grammar {
namespace {

std::string date_rule(GbnfWriter& w) {
  // Two-digit multiples of 4: "04" "08" and [2468][048] and [13579][26] (and "00", which
  // only a century divisible by 400 may end with).
  std::string by4 = "(\"0\" [48] | [2468] [048] | [13579] [26])";
  std::string leap_year = w.add("leap-year", "[0-9] [0-9] " + by4 + " | (\"0\" [048] | [2468] [048] | [13579] [26]) \"00\"");
  std::string day28 = "(\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8])";
  std::string body =
      "[0-9]{4} \"-\" ("
      "(\"01\" | \"03\" | \"05\" | \"07\" | \"08\" | \"10\" | \"12\") \"-\" (" + day28 + " | \"29\" | \"30\" | \"31\")"
      " | (\"04\" | \"06\" | \"09\" | \"11\") \"-\" (" + day28 + " | \"29\" | \"30\")"
      " | \"02-\" " + day28 + ")"
      " | " + leap_year + " \"-02-29\"";
  return w.add("date", body);
}

std::string time_rule(GbnfWriter& w) {
  std::string hour = "([01] [0-9] | \"2\" [0-3])";
  std::string sixty = "[0-5] [0-9]";
  std::string body = hour + " \":\" " + sixty + " \":\" " + sixty + " (\".\" [0-9]{1,9})? (\"Z\" | [+\\x2D] " + hour +
                     " \":\" " + sixty + ")";
  return w.add("time", body);
}

std::string uuid_rule(GbnfWriter& w) {
  std::string hex = "[0-9a-fA-F]";
  return w.add("uuid", hex + "{8} \"-\" " + hex + "{4} \"-\" " + hex + "{4} \"-\" " + hex + "{4} \"-\" " + hex + "{12}");
}

std::string email_rule(GbnfWriter& w) {
  // Atoms bounded so the local part stays within 64 characters: at most 4 runs of 1-15.
  std::string atom = "[a-zA-Z0-9!#$%&'*+/=?\\x5E_`{|}~\\x2D]{1,15}";
  std::string local = atom + " (\".\" " + atom + "){0,3}";
  std::string label = w.add("email-label", "[a-zA-Z0-9] ([a-zA-Z0-9\\x2D]{0,61} [a-zA-Z0-9])?");
  return w.add("email", local + " \"@\" " + label + " (\".\" " + label + "){1,4}");
}

}  // namespace

Result<std::string> string_format_gbnf(std::string_view format, GbnfWriter& writer) {
  if (format == "date") return date_rule(writer);
  if (format == "time") return time_rule(writer);
  if (format == "date-time") return writer.add("date-time", date_rule(writer) + " \"T\" " + time_rule(writer));
  if (format == "uuid") return uuid_rule(writer);
  if (format == "email") return email_rule(writer);
  return invalid_argument("string format '" + std::string(format) + "' is not supported (date, time, date-time, uuid, email are)");
}

}  // namespace herd::grammar
