#include "server/served_model.h"

#include <chrono>
#include <utility>

#include "chat/chat_prompt.h"
#include "tokenizer/tokenizer.h"

namespace herd::server {

Result<ServedModel> make_served_model(std::string id, const Tokenizer& tokenizer,
                                      const std::optional<std::string>& template_text) {
  ServedModel m;
  m.id = std::move(id);
  m.names = {m.id};
  m.created = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
  m.tokenizer = &tokenizer;
  const Vocab& vocab = tokenizer.vocab();
  if (vocab.valid_id(vocab.bos_id())) m.bos_token = std::string(vocab.text(vocab.bos_id()));
  if (vocab.valid_id(vocab.eos_id())) m.eos_token = std::string(vocab.text(vocab.eos_id()));
  Result<chat::Template> parsed = chat::Template::parse(template_text ? *template_text : chat::kChatMlTemplate);
  if (!parsed.ok()) return invalid_argument("the model's chat template: " + parsed.status().message());
  m.chat_template = std::make_shared<const chat::Template>(std::move(parsed).value());
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
