#include "cli/cli_support.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {

int fail(const Status& status) { return fail(status.message()); }

int fail(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "herd: error: %s\n", line.c_str());
  return 1;
}

Result<std::vector<int32_t>> parse_id_list(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t' && text[j] != '\n') ++j;
    const std::string item = text.substr(i, j - i);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (end == item.c_str() || *end != '\0' || errno == ERANGE || v < 0 ||
        v > std::numeric_limits<int32_t>::max()) {
      return invalid_argument("\"" + item + "\" is not a token id (a non-negative integer)");
    }
    ids.push_back(static_cast<int32_t>(v));
    i = j;
  }
  if (ids.empty()) return invalid_argument("no token ids given");
  return ids;
}

Result<LoadedModel> load_model_and_tokenizer(const std::string& path) {
  LoadedModel out;
  HERD_ASSIGN_OR_RETURN(out.model, Model::load(path));
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::from_gguf(out.model->gguf());
  if (!tok.ok()) return tok.status().with_context(path);
  out.tokenizer = std::move(tok).value();
  return out;
}

}  // namespace herd::cli
