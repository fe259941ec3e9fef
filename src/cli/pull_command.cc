// herd pull: fetch a model into the store ($HERD_HOME, default ~/.herd).
//
//   herd pull stories260K                      # registry.ollama.ai/library/stories260K:latest
//   herd pull hf.co/USER/REPO:Q8_0             # a Hugging Face repo's Q8_0 GGUF
//   herd pull https://host/USER/REPO/resolve/main/x.gguf
//   herd pull stories260K --update             # fetch again; swap the manifest once verified
//
// HERD_REGISTRY and HERD_HF_ENDPOINT (or --registry, --hf-endpoint) point at other servers;
// HF_TOKEN is sent to the Hugging Face endpoint only.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/model_config.h"
#include "cli/pull_progress.h"
#include "store/model_pull.h"

namespace herd::cli {
namespace {

struct PullArgs {
  std::string name;
  std::string registry;
  std::string hf_endpoint;
  bool update = false;
  bool offline = false;
  bool quiet = false;
  int stall_timeout_s = 30;
  int retries = 6;
  int retry_delay_ms = 250;
  uint64_t parallel_min_size = uint64_t(64) << 20;
  int parallel_parts = 4;
};

std::string env_or(const char* name, std::string_view fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

int run_pull(const PullArgs& args) {
  store::PullOptions options;
  options.registry = args.registry.empty() ? env_or("HERD_REGISTRY", options.registry) : args.registry;
  options.hf_endpoint = args.hf_endpoint.empty() ? env_or("HERD_HF_ENDPOINT", options.hf_endpoint) : args.hf_endpoint;
  if (const char* token = std::getenv("HF_TOKEN"); token != nullptr && *token != '\0') options.hf_token = token;
  options.update = args.update;
  options.offline = args.offline;
  options.download.stall_timeout_s = args.stall_timeout_s;
  options.download.max_attempts = args.retries;
  options.download.backoff_ms = args.retry_delay_ms;
  options.download.parallel_min_size = args.parallel_min_size;
  options.download.parallel_parts = args.parallel_parts;
  options.describe = describe_model_file;
  PullProgress progress(stderr, isatty(STDERR_FILENO) != 0);
  if (!args.quiet) options.observer = &progress;
  const store::ModelStore model_store(store::StoreLayout::from_environment());
  Result<store::PullResult> result = store::pull_model(model_store, args.name, options);
  if (!result.ok()) return fail(result.status());
  const std::string name = result->ref.short_name();
  switch (result->outcome) {
    case store::PullOutcome::kPulled:
      std::printf("pulled %s\n", name.c_str());
      break;
    case store::PullOutcome::kPresent:
      std::printf("%s is already in the store (herd pull --update %s fetches a newer one)\n", name.c_str(),
                  name.c_str());
      break;
    case store::PullOutcome::kUnchanged:
      std::printf("%s is up to date\n", name.c_str());
      break;
  }
  return 0;
}

}  // namespace

CommandRunner add_pull_command(CLI::App& app) {
  auto args = std::make_shared<PullArgs>();
  CLI::App* cmd =
      app.add_subcommand("pull", "Download a model into the store (registry, Hugging Face, or a .gguf URL)");
  cmd->add_option("name", args->name, "stories260K, host/ns/model:tag, hf.co/USER/REPO[:QUANT], or an http(s) URL")
      ->required();
  cmd->add_flag("--update", args->update, "Fetch again and replace the model once every blob is verified");
  cmd->add_flag("--offline", args->offline, "Never touch the network; fail unless the model is in the store");
  cmd->add_option("--registry", args->registry, "Registry for names on registry.ollama.ai (default $HERD_REGISTRY)");
  cmd->add_option("--hf-endpoint", args->hf_endpoint, "Hugging Face endpoint (default $HERD_HF_ENDPOINT)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->add_option("--stall-timeout", args->stall_timeout_s, "Seconds without a byte before a download is retried")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--retries", args->retries, "Fruitless attempts per download before giving up")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--retry-delay-ms", args->retry_delay_ms, "First backoff before a retry (doubles each time)")
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--parallel-min-size", args->parallel_min_size,
                  "Blobs of at least this many bytes download in parts");
  cmd->add_option("--parallel-parts", args->parallel_parts, "How many parts a big blob downloads in")
      ->check(CLI::Range(1, 64));
  return [args] { return run_pull(*args); };
}

}  // namespace herd::cli
