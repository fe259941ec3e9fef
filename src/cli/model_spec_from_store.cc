#include "cli/model_spec_from_store.h"

#include "server/served_model.h"

namespace herd::cli {

ModelSpec spec_from_resolved(const store::ResolvedModel& resolved) {
  ModelSpec spec;
  spec.gguf_path = resolved.model_path;
  if (resolved.ref.model.empty()) {
    spec.id = server::model_id_from_path(resolved.model_path);
  } else {
    spec.id = resolved.ref.short_name();
    const std::string full = resolved.ref.full_name();
    if (full != spec.id) spec.names.push_back(full);
  }
  spec.preset.system = resolved.system;
  spec.preset.params = resolved.params.is_object() ? resolved.params : nlohmann::json::object();
  for (const store::ChatMessage& m : resolved.messages) spec.preset.messages.push_back({m.role, m.content});
  spec.preset.chat_template = resolved.chat_template;
  return spec;
}

}  // namespace herd::cli
