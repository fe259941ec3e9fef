// herd tokenize: text -> token ids and pieces.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  bool ids_only = false;
  bool no_bos = false;
  bool parse_special = false;
};

int run(const TokenizeOptions& o) {
  Result<std::unique_ptr<GgufFile>> file = GgufFile::open(o.model);
  if (!file.ok()) return fail(file.status());
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::from_gguf(**file);
  if (!tok.ok()) return fail(tok.status().with_context(o.model));
  const std::vector<int32_t> ids = (*tok)->encode(o.text, /*add_special=*/!o.no_bos, o.parse_special);
  if (o.ids_only) {
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
    std::printf("\n");
    return 0;
  }
  for (int32_t id : ids) {
    std::printf("%6d -> '%s'\n", id, std::string((*tok)->vocab().text(id)).c_str());
  }
  return 0;
}

}  // namespace

CommandRunner add_tokenize_command(CLI::App& app) {
  auto o = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print the token ids and pieces of a text");
  require_regular_file(cmd->add_option("-m,--model", o->model, "GGUF model (or vocab-only) file")->required());
  cmd->add_option("text", o->text, "Text to tokenize")->required();
  cmd->add_flag("--ids", o->ids_only, "Print only the ids, space-separated");
  cmd->add_flag("--no-bos", o->no_bos, "Do not add BOS/EOS tokens");
  cmd->add_flag("--parse-special", o->parse_special, "Turn special-token text like <s> into those tokens");
  return [o] { return run(*o); };
}

}  // namespace herd::cli
