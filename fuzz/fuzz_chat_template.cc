// libFuzzer target for chat templates: parse arbitrary bytes as a Jinja2 template and
// render it against a small fixed chat context under tight limits. Any crash, sanitizer
// report, leak or hang is a bug; a clean error Status is the expected outcome for junk.
// Beyond the sanitizers, it traps when a render exceeds its output limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chat/chat_template.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const nlohmann::ordered_json& context() {
  static const auto* ctx = new nlohmann::ordered_json(nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi \u00e9\ud83d\ude00 <b>&</b>"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call00001", "type": "function",
         "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, true, null]}}}]},
      {"role": "tool", "tool_call_id": "call00001", "content": "{\"ok\": true}"},
      {"role": "assistant", "content": "<think>hm</think>Done."}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
      "parameters": {"type": "object", "properties": {"x": {"type": "integer"},
                                                      "items": {"type": "array", "items": {"type": "string"}}},
                     "required": ["x"]}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>"
  })"));
  return *ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  herd::chat::ParseOptions parse_options;
  parse_options.max_depth = 100;
  herd::Result<herd::chat::Template> t = herd::chat::Template::parse(text, parse_options);
  if (!t.ok()) return 0;
  herd::chat::RenderOptions options;
  options.now = herd::chat::CivilTime{2024, 7, 26, 12, 0, 0};
  options.max_output_bytes = 64 * 1024;
  options.max_call_depth = 20;
  options.max_steps = 20000;
  herd::Result<std::string> out = t->render(context(), options);
  if (out.ok()) check(out->size() <= options.max_output_bytes);
  return 0;
}
