#include "server/served_model.h"

#include <chrono>
#include <utility>

#include "chat/chat_prompt.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {

namespace {

// The texts a template sees as bos_token and eos_token.
void set_special_texts(const Tokenizer& tokenizer, ServedModel* m) {
  const Vocab& vocab = tokenizer.vocab();
  if (vocab.valid_id(vocab.bos_id())) m->bos_token = std::string(vocab.text(vocab.bos_id()));
  if (vocab.valid_id(vocab.eos_id())) m->eos_token = std::string(vocab.text(vocab.eos_id()));
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<ServedModel> make_served_model(std::string id, const Tokenizer& tokenizer,
                                      const std::optional<std::string>& template_text) {
  ServedModel m;
  m.id = std::move(id);
  m.names = {m.id};
  m.created = unix_now();
  m.tokenizer = &tokenizer;
  set_special_texts(tokenizer, &m);
  Result<chat::Template> parsed = chat::Template::parse(template_text ? *template_text : chat::kChatMlTemplate);
  if (!parsed.ok()) return invalid_argument("the model's chat template: " + parsed.status().message());
  m.chat_template = std::make_shared<const chat::Template>(std::move(parsed).value());
  return m;
}

ServedModel served_model_for(const ModelSpec& spec, const PooledEngine& engine, int64_t created,
                             bool chat_parse_special) {
  ServedModel m;
  m.id = spec.id;
  m.names = {spec.id};
  m.names.insert(m.names.end(), spec.names.begin(), spec.names.end());
  m.created = created;
  m.tokenizer = engine.tokenizer();
  m.chat_template = engine.chat_template();
  if (m.tokenizer != nullptr) set_special_texts(*m.tokenizer, &m);
  m.chat_parse_special = chat_parse_special;
  m.grammar_vocab = [&engine] { return engine.grammar_vocab(); };  // the lease keeps `engine` alive
  return m;
}

std::string model_id_from_path(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const std::string ext = ".gguf";
  if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
    name.resize(name.size() - ext.size());
  }
  return name.empty() ? std::string("model") : name;
}

}  // namespace herd::server
