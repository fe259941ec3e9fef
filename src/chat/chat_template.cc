#include "chat/chat_template.h"

#include <ctime>

#include "chat/ast.h"
#include "chat/interpreter.h"
#include "chat/json_value.h"
#include "chat/lexer.h"
#include "chat/parser.h"

namespace herd::chat {
namespace {

Status to_status(const TemplateException& e, TemplateError* error) {
  TemplateError info;
  info.message = e.message;
  info.line = e.line;
  info.column = e.column;
  std::string where;
  if (e.line > 0) {
    where = " at line " + std::to_string(e.line);
    if (e.column > 0) where += ", column " + std::to_string(e.column);
  }
  Status status;
  switch (e.type) {
    case TemplateException::Type::kSyntax:
      info.kind = TemplateError::Kind::kSyntax;
      status = invalid_argument("chat template syntax error" + where + ": " + e.message);
      break;
    case TemplateException::Type::kRuntime:
      info.kind = TemplateError::Kind::kRuntime;
      status = invalid_argument("chat template error" + where + ": " + e.message);
      break;
    case TemplateException::Type::kRaised:
      info.kind = TemplateError::Kind::kRaised;
      status = invalid_argument(e.message);
      break;
    case TemplateException::Type::kLimit:
      info.kind = TemplateError::Kind::kLimit;
      status = resource_exhausted("chat template limit" + where + ": " + e.message);
      break;
  }
  if (error) *error = std::move(info);
  return status;
}

std::tm to_tm(const CivilTime& t) {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  // timegm fills in the weekday and the day of the year.
  std::tm copy = tm;
  const time_t secs = timegm(&copy);
  gmtime_r(&secs, &tm);
  return tm;
}

CivilTime local_now() {
  const time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

}  // namespace

std::string format_civil_time(const CivilTime& t, const std::string& format) {
  if (format.empty()) return "";
  const std::tm tm = to_tm(t);
  // strftime returns 0 both for an empty result and for a too-small buffer; a trailing
  // marker tells the two apart.
  const std::string fmt = format + "\x01";
  for (size_t size = 256; size <= (1u << 20); size *= 4) {
    std::string buf(size, '\0');
    const size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
    if (n > 0) {
      buf.resize(n - 1);
      return buf;
    }
  }
  throw_limit("strftime result too large");
}

Result<CivilTime> parse_civil_time(std::string_view text) {
  CivilTime t;
  const std::string s(text);
  int n = 0;
  char sep = 0;
  const int fields = std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d:%d%n", &t.year, &t.month, &t.day, &sep, &t.hour,
                                 &t.minute, &t.second, &n);
  bool ok = false;
  if (fields == 7 && (sep == 'T' || sep == ' ') && static_cast<size_t>(n) == s.size()) ok = true;
  if (fields == 3) {
    int m = 0;
    ok = std::sscanf(s.c_str(), "%*d-%*d-%*d%n", &m) >= 0 && static_cast<size_t>(m) == s.size();
    t.hour = t.minute = t.second = 0;
  }
  if (!ok || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour < 0 || t.hour > 23 || t.minute < 0 ||
      t.minute > 59 || t.second < 0 || t.second > 60 || t.year < 1 || t.year > 9999)
    return invalid_argument("bad time \"" + s + "\": expected YYYY-MM-DDTHH:MM:SS");
  return t;
}

Result<Template> Template::parse(std::string_view text, const ParseOptions& options, TemplateError* error) {
  try {
    const std::vector<Token> tokens = tokenize(text, LexOptions{});
    ParseLimits limits;
    limits.max_depth = options.max_depth;
    Template t;
    t.body_ = std::make_shared<const StmtList>(parse_template(tokens, limits));
    t.source_ = std::make_shared<const std::string>(text);
    return t;
  } catch (const TemplateException& e) {
    return to_status(e, error);
  }
}

Result<std::string> Template::render(const nlohmann::ordered_json& context, const RenderOptions& options,
                                     TemplateError* error) const {
  if (!context.is_object()) return invalid_argument("the chat template context must be a JSON object");
  try {
    const Value ctx = value_from_json(context);
    InterpreterConfig config;
    config.max_output_bytes = options.max_output_bytes;
    config.max_call_depth = options.max_call_depth;
    config.max_steps = options.max_steps;
    const std::optional<CivilTime> fixed = options.now;
    config.strftime_now = [fixed](const std::string& fmt) {
      return format_civil_time(fixed ? *fixed : local_now(), fmt);
    };
    Interpreter interpreter(std::move(config));
    return interpreter.render(*body_, ctx.dict());
  } catch (const TemplateException& e) {
    return to_status(e, error);
  }
}

Result<std::string> render_chat_template(std::string_view template_text, const nlohmann::ordered_json& context,
                                         const RenderOptions& options, TemplateError* error) {
  Result<Template> t = Template::parse(template_text, ParseOptions{}, error);
  if (!t.ok()) return t.status();
  return t->render(context, options, error);
}

}  // namespace herd::chat
