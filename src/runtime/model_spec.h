// A model a server can serve, as the CLI describes it: a public id, the names a request
// may use for it, the GGUF to load, and a preset's additions (system prompt, default
// sampling params, few-shot turns, a chat template). Filled from `-m FILE` today and
// from the store's ResolvedModel (src/store/model_store.h) field by field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace herd {

struct PresetMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
  bool operator==(const PresetMessage&) const = default;
};

struct ModelPreset {
  std::optional<std::string> system;         // comes before the request's messages
  // Defaults a request's own fields override, in the store's (Ollama's) names:
  // temperature, top_p, top_k, min_p, stop, seed, repeat_penalty, presence_penalty,
  // frequency_penalty, num_predict; num_ctx sizes the model's engine.
  nlohmann::json params = nlohmann::json::object();
  std::vector<PresetMessage> messages;       // few-shot turns, after the system prompt
  std::optional<std::string> chat_template;  // Jinja; else the GGUF's own
  bool operator==(const ModelPreset&) const = default;
};

struct ModelSpec {
  std::string id;                  // the name /v1/models shows and responses carry
  std::vector<std::string> names;  // more names a request's "model" may use
  std::string gguf_path;           // specs naming the same file share its weights
  ModelPreset preset;
  bool pinned = false;             // loaded at start, never evicted or expired

  bool answers_to(const std::string& name) const;
  bool operator==(const ModelSpec&) const = default;
};

}  // namespace herd
