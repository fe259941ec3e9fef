// herd import: register the models a user already has in Ollama's folder or the Hugging Face
// cache, without downloading them again.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/model_config.h"
#include "store/foreign_import.h"

namespace herd::cli {
namespace {

struct ImportCommandOptions {
  std::string ollama_dir;
  std::string hf_dir;
  bool ollama = false;
  bool hf = false;
};

// Prints each item; returns how many failed (a name already in the store is not a failure).
int print_report(const store::ImportReport& report) {
  int failed = 0;
  for (const auto& item : report.items) {
    if (item.status.ok()) {
      std::printf("imported %s%s\n", item.name.c_str(), item.linked ? " (linked, no bytes copied)" : " (copied)");
    } else {
      const bool benign = item.status.code() == StatusCode::kUnavailable;
      failed += benign ? 0 : 1;
      std::printf("%s %s: %s\n", benign ? "kept" : "skipped", item.name.c_str(), item.status.message().c_str());
    }
  }
  return failed;
}

int run_import(const ImportCommandOptions& o) {
  const bool both = !o.ollama && !o.hf;
  const store::ModelStore s(store::StoreLayout::from_environment());
  store::ImportOptions options;
  options.describe = describe_model_file;
  options.on_progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  int failed = 0, sources = 0;
  if (o.ollama || both) {
    const std::string dir = o.ollama_dir.empty() ? store::default_ollama_models_dir() : o.ollama_dir;
    Result<store::ImportReport> r = store::import_ollama_models(s, dir, options);
    if (r.ok()) {
      ++sources;
      failed += print_report(*r);
    } else if (!both) {
      return fail(r.status());
    }
  }
  if (o.hf || both) {
    const std::string dir = o.hf_dir.empty() ? store::default_hf_hub_dir() : o.hf_dir;
    Result<store::ImportReport> r = store::import_hf_cache(s, dir, options);
    if (r.ok()) {
      ++sources;
      failed += print_report(*r);
    } else if (!both) {
      return fail(r.status());
    }
  }
  if (sources == 0) {
    return fail("found neither an Ollama models folder (" + store::default_ollama_models_dir() +
                ") nor a Hugging Face cache (" + store::default_hf_hub_dir() + ")");
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

CommandRunner add_import_command(CLI::App& app) {
  auto o = std::make_shared<ImportCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Register models from Ollama's folder and the Hugging Face cache (hard links, verified)");
  cmd->add_flag("--ollama", o->ollama, "Import from Ollama's models folder");
  cmd->add_option("--ollama-dir", o->ollama_dir, "Ollama's models folder (default $OLLAMA_MODELS or ~/.ollama/models)");
  cmd->add_flag("--hf", o->hf, "Import GGUF files from the Hugging Face cache");
  cmd->add_option("--hf-dir", o->hf_dir, "The Hugging Face hub cache (default $HF_HUB_CACHE or ~/.cache/huggingface/hub)");
  return [o] {
    ImportCommandOptions opts = *o;
    opts.ollama |= !opts.ollama_dir.empty();
    opts.hf |= !opts.hf_dir.empty();
    return run_import(opts);
  };
}

}  // namespace herd::cli
