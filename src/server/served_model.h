// A model as the handlers see it: its public id, its tokenizer and the chat template
// every chat request is rendered through. Built from a pool's spec and loaded engine for
// each request (cheap: the template is parsed once, at load).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/chat_template.h"
#include "runtime/model_pool.h"

namespace herd {
class Tokenizer;
struct GrammarVocab;
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
  // The vocabulary grammars compile against (built on first use); unset or nullptr: the model
  // takes no output constraints.
  std::function<std::shared_ptr<const GrammarVocab>()> grammar_vocab;
};

// `template_text`: the model's tokenizer.chat_template, nullopt for none (ChatML is used).
// kInvalidArgument when the template does not parse.
Result<ServedModel> make_served_model(std::string id, const Tokenizer& tokenizer,
                                      const std::optional<std::string>& template_text);

// `engine` as `spec` presents it; `created` is the server's start.
ServedModel served_model_for(const ModelSpec& spec, const PooledEngine& engine, int64_t created,
                             bool chat_parse_special);

// Unix seconds now: every model's `created`.
int64_t unix_now();

// The file name of a model path without directories and ".gguf": the default public id.
std::string model_id_from_path(const std::string& path);

}  // namespace herd::server
