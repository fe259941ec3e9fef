// herd synth: write a random-weight model with the real shapes of a known family.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "convert/quant_recipe.h"
#include "convert/synth_model.h"

namespace herd::cli {

namespace {

// Default vocabularies live in ../shared next to the binary's checkout, or $HERD_SHARED_DIR.
std::string default_shared_dir() {
  if (const char* env = std::getenv("HERD_SHARED_DIR")) return env;
  return "../shared";
}

}  // namespace

CommandRunner add_synth_command(CLI::App& app) {
  auto o = std::make_shared<SynthParams>();
  std::string shapes;
  for (const SynthShape& s : synth_shapes()) shapes += (shapes.empty() ? "" : ", ") + std::string(s.name);
  CLI::App* cmd = app.add_subcommand("synth", "Write a random-weight model with a real family's shapes");
  cmd->add_option("--shape", o->shape, "Shape: " + shapes)->required();
  cmd->add_option("--type", o->type, "File type: " + file_type_names())->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Output GGUF")->required();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--vocab-from", o->vocab_from, "GGUF whose tokenizer.* keys to copy (default: per shape, from "
                                                 "$HERD_SHARED_DIR or ../shared)")->check(CLI::ExistingFile);
  cmd->add_option("--layers", o->n_layer, "Override the layer count (0: the shape's)")->check(CLI::Range(0, 1024));
  cmd->add_option("-t,--threads", o->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  return [o] {
    SynthParams p = *o;
    p.shared_dir = default_shared_dir();
    if (p.vocab_from.empty()) {
      const SynthShape* sh = find_synth_shape(p.shape);
      if (sh != nullptr && !std::filesystem::exists(std::filesystem::path(p.shared_dir) / sh->default_vocab)) {
        return fail("no vocabulary at " + (std::filesystem::path(p.shared_dir) / sh->default_vocab).string() +
                    "; give --vocab-from FILE.gguf or set HERD_SHARED_DIR");
      }
    }
    p.on_tensor = print_tensor_progress;
    Result<SynthSummary> s = synth_model(p);
    if (!s.ok()) return fail(s.status());
    std::fprintf(stderr, "wrote %zu tensors, %.2f M params, vocab %d: %.2f MB in %.2f s\n", s->n_tensors,
                 s->n_params / 1e6, s->n_vocab, s->bytes / 1e6, s->seconds);
    std::printf("%s\n", p.output.c_str());
    return 0;
  };
}

}  // namespace herd::cli
