// herd inspect: print a GGUF file's metadata and tensor table.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gguf/gguf_file.h"
#include "model/model.h"

namespace herd::cli {

CommandRunner add_inspect_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("inspect", "Print a GGUF file's metadata and tensors");
  require_regular_file(cmd->add_option("file", *path, "GGUF file")->required());
  return [path] {
    Result<std::unique_ptr<GgufFile>> file = GgufFile::open(*path);
    if (!file.ok()) return fail(file.status());  // it names the path
    // A runnable model gets its one-line summary first; vocab-only and other GGUFs
    // (projectors, adapters) just get the dump.
    if (Result<std::unique_ptr<Model>> model = Model::load(*path); model.ok()) {
      std::printf("model: %s\n\n", describe_model(**model).c_str());
    }
    const std::string text = describe_gguf(**file);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  };
}

}  // namespace herd::cli
