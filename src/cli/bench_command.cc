// herd bench: prompt-processing and generation throughput, llama-bench style.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/kv_flags.h"
#include "model/model.h"
#include "runtime/benchmark.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

struct BenchOptions {
  std::string model;
  BenchParams params;
  bool json = false;
  bool no_warmup = false;
  KvFlags kv;
};

}  // namespace

CommandRunner add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prompt (pp) and generation (tg) speed");
  require_model(cmd->add_option("-m,--model", o->model, "GGUF model file or store name")->required());
  cmd->add_option("-p,--n-prompt", o->params.n_prompt, "Prompt tokens, one batch (0: skip pp)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-n,--n-gen", o->params.n_gen, "Generated tokens, one at a time (0: skip tg)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 20));
  cmd->add_option("-t,--threads", o->params.n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("-r,--repetitions", o->params.repetitions, "Timed runs per test")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-warmup", o->no_warmup, "Skip the untimed warm-up run");
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  add_kv_flags(cmd, &o->kv, /*with_memory=*/false);
  return [o] {
    const Result<KvSettings> kv = resolve_kv_flags(o->kv);
    if (!kv.ok()) return fail(kv.status());
    Result<LoadedModel> loaded = load_model_and_tokenizer(o->model);
    if (!loaded.ok()) return fail(loaded.status());
    BenchParams p = o->params;
    p.warmup = !o->no_warmup;
    p.kv_type_k = kv->type_k;
    p.kv_type_v = kv->type_v;
    p.on_progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    Result<BenchReport> r = run_benchmark(*loaded->model, *loaded->tokenizer, o->model, p);
    if (!r.ok()) return fail(r.status());
    const std::string out = o->json ? format_bench_json(*r) : format_bench_table(*r);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  };
}

}  // namespace herd::cli
