// Test helper: render a template text with a JSON context; errors come back as
// "ERROR: <status message>" so expectations can compare one string.
#pragma once

#include <string>

#include "chat/chat_template.h"

namespace herd::chat {

inline std::string render(const std::string& text, const std::string& context_json = "{}",
                          const RenderOptions& options = {}, TemplateError* error = nullptr) {
  RenderOptions o = options;
  if (!o.now) o.now = CivilTime{2024, 7, 26, 12, 0, 0};
  Result<std::string> r =
      render_chat_template(text, nlohmann::ordered_json::parse(context_json), o, error);
  return r.ok() ? r.value() : "ERROR: " + r.status().message();
}

inline TemplateError render_error(const std::string& text, const std::string& context_json = "{}",
                                  const RenderOptions& options = {}) {
  TemplateError e;
  render(text, context_json, options, &e);
  return e;
}

}  // namespace herd::chat
