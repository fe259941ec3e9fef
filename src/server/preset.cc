#include "server/preset.h"

#include <optional>
#include <string>
#include <utility>

namespace herd::server {

nlohmann::json preset_request_defaults(const ModelPreset& preset) {
  nlohmann::json out = nlohmann::json::object();
  if (!preset.params.is_object()) return out;
  for (const char* name : {"temperature", "top_p", "top_k", "min_p", "stop", "seed", "repeat_penalty",
                           "presence_penalty", "frequency_penalty"}) {
    auto it = preset.params.find(name);
    if (it != preset.params.end()) out[name] = *it;
  }
  // Ollama's num_predict -1 (or -2) means "no limit": the request's own default.
  auto n = preset.params.find("num_predict");
  if (n != preset.params.end() && n->is_number_integer() && n->get<int64_t>() > 0) out["max_tokens"] = *n;
  return out;
}

std::vector<ChatMessage> with_preset_messages(const ModelPreset& preset, std::vector<ChatMessage> messages) {
  if (!preset.system && preset.messages.empty()) return messages;
  std::vector<ChatMessage> out;
  std::optional<std::string> system = preset.system;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") {
    system = system ? *system + "\n\n" + messages[0].content : messages[0].content;
    first = 1;
  }
  if (system) out.push_back({"system", std::move(*system)});
  for (const PresetMessage& m : preset.messages) out.push_back({m.role, m.content});
  for (size_t i = first; i < messages.size(); ++i) out.push_back(std::move(messages[i]));
  return out;
}

}  // namespace herd::server
