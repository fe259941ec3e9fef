// Chat templates rendered exactly as Hugging Face transformers renders them
// (apply_chat_template: Jinja2's ImmutableSandboxedEnvironment with trim_blocks,
// lstrip_blocks, loopcontrols, HF's tojson, raise_exception and strftime_now).
//
//   HERD_ASSIGN_OR_RETURN(chat::Template t, chat::Template::parse(text));
//   HERD_ASSIGN_OR_RETURN(std::string prompt, t.render(context));
//
// The template is untrusted input: parsing and rendering are bounded in nesting depth,
// work and output size, and every failure is a Status (never a crash).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace herd::chat {

struct Stmt;

// A naive wall-clock time (no zone), as Python's datetime.datetime(...) without tzinfo.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};
// "2024-07-26T12:00:00" (or with a space, or a date alone).
Result<CivilTime> parse_civil_time(std::string_view text);

struct ParseOptions {
  int max_depth = 200;  // nesting of blocks and expressions
};

struct RenderOptions {
  std::optional<CivilTime> now;        // what strftime_now sees; default: the local time now
  size_t max_output_bytes = 4u << 20;  // bounds the output and any string built on the way
  int max_call_depth = 100;            // macro calls and recursive loops
  int64_t max_steps = 5'000'000;       // loop iterations, calls and filtered items
};

// Where and why parsing or rendering failed. For kRaised the message is exactly the
// text the template passed to raise_exception(); the Status message is then that too.
struct TemplateError {
  enum class Kind { kSyntax, kRuntime, kRaised, kLimit };
  Kind kind = Kind::kRuntime;
  std::string message;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based byte column; 0 when unknown
};

// A parsed template: parse once, render many times (render is const and thread-safe).
class Template {
 public:
  static Result<Template> parse(std::string_view text, const ParseOptions& options = {},
                                TemplateError* error = nullptr);

  // `context` must be a JSON object: its keys are the template's variables. Object key
  // order is kept (tojson, |items, dict iteration) and ints stay apart from floats.
  Result<std::string> render(const nlohmann::ordered_json& context, const RenderOptions& options = {},
                             TemplateError* error = nullptr) const;
  // The text it was parsed from (what tells a model's tool-call and reasoning formats).
  const std::string& source() const { return *source_; }

 private:
  std::shared_ptr<const std::vector<std::unique_ptr<Stmt>>> body_;
  std::shared_ptr<const std::string> source_ = std::make_shared<const std::string>();
};

// Parse and render in one call.
Result<std::string> render_chat_template(std::string_view template_text, const nlohmann::ordered_json& context,
                                         const RenderOptions& options = {}, TemplateError* error = nullptr);

// Python's datetime.strftime(format) for `t` (glibc's strftime, as CPython on Linux).
std::string format_civil_time(const CivilTime& t, const std::string& format);

}  // namespace herd::chat
