// The model as the server presents it: its public id, its tokenizer and the chat template
// every chat request is rendered through. Built once at start-up; read-only after.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/chat_template.h"

namespace herd {
class Tokenizer;
}

namespace herd::server {

struct ServedModel {
  std::string id;                  // the name in /v1/models and in every response
  std::vector<std::string> names;  // what a request's "model" may say (id first)
  int64_t created = 0;             // unix seconds (the server's start)
  const Tokenizer* tokenizer = nullptr;  // not owned; outlives the server
  std::shared_ptr<const chat::Template> chat_template;
  std::string bos_token;  // texts the template sees as bos_token / eos_token
  std::string eos_token;
  bool chat_parse_special = false;  // special-token texts in chat messages become tokens (unsafe)
};

// `template_text`: the model's tokenizer.chat_template, nullopt for none (ChatML is used).
// kInvalidArgument when the template does not parse.
Result<ServedModel> make_served_model(std::string id, const Tokenizer& tokenizer,
                                      const std::optional<std::string>& template_text);

// The file name of a model path without directories and ".gguf": the default public id.
std::string model_id_from_path(const std::string& path);

}  // namespace herd::server
