// herd run: generate text from a prompt, streamed to stdout; speeds to stderr. It runs
// on the serving engine, as the server does.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "cli/cli_support.h"
#include "cli/kv_flags.h"
#include "cli/commands.h"
#include "cli/preset_defaults.h"
#include "cli/engine_answer.h"
#include "model/model.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string prompt_ids;
  GenerationOptions gen;
  SamplingParams sampling;
  KvFlags kv;
};

int run(const RunOptions& given, const CLI::App& cmd) {
  if (!given.prompt.empty() && !given.prompt_ids.empty()) return fail("give either -p or --prompt-ids, not both");
  const Result<KvSettings> kv = resolve_kv_flags(given.kv);
  if (!kv.ok()) return fail(kv.status());
  Result<LoadedModel> loaded = load_model_and_tokenizer(given.model);
  if (!loaded.ok()) return fail(loaded.status());
  RunOptions o = given;
  const Status preset = apply_preset_defaults(loaded->resolved.params, cmd, &o.gen, &o.sampling);
  if (!preset.ok()) return fail(preset);
  Result<SamplingParams> resolved = resolve_sampling(o.gen, o.sampling);
  if (!resolved.ok()) return fail(resolved.status());
  const SamplingParams& sampling = *resolved;
  const Tokenizer& tok = *loaded->tokenizer;

  std::vector<int32_t> prompt;
  double tokenize_ms = 0.0;
  if (!o.prompt_ids.empty()) {
    Result<std::vector<int32_t>> ids = parse_id_list(o.prompt_ids);
    if (!ids.ok()) return fail(ids.status().with_context("--prompt-ids"));
    prompt = std::move(ids).value();
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    prompt = tok.encode(o.prompt, /*add_special=*/true, /*parse_special=*/false);
    tokenize_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (prompt.empty()) return fail("the prompt is empty and the model adds no BOS token; give -p TEXT");
  }

  GenerationOptions gen = o.gen;
  gen.kv_type_k = kv->type_k;
  gen.kv_type_v = kv->type_v;
  Result<std::unique_ptr<Engine>> engine = create_terminal_engine(*loaded->model, tok, gen);
  if (!engine.ok()) return fail(engine.status());

  // The prompt goes through the same decoder first, so the text reads on seamlessly.
  StreamingDecoder decoder(tok);
  for (int32_t id : prompt) {
    if (id < 0 || id >= tok.vocab().n_tokens()) break;  // submit reports the bad id
    std::fputs(decoder.push(id).c_str(), stdout);
  }
  std::fflush(stdout);
  Result<Answer> answer = generate_answer(**engine, prompt, o.gen.n_predict, sampling, [&](std::span<const int32_t> ids) {
    std::string text;
    for (int32_t id : ids) text += decoder.push(id);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  });
  const std::string rest = decoder.finish();
  std::fwrite(rest.data(), 1, rest.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!answer.ok()) return fail(answer.status());
  std::fprintf(stderr, "\nmodel: %s\n", describe_model(*loaded->model).c_str());
  std::fprintf(stderr, "prompt: %d tokens (tokenized in %.3f ms) in %.3f s (%.1f tokens/s)\n", answer->n_prompt,
               tokenize_ms, answer->prompt_seconds, answer->prompt_tokens_per_second());
  std::fprintf(stderr, "generation: %d tokens in %.3f s (%.1f tokens/s), stopped: %s, threads: %d, seed: %llu\n",
               answer->n_generated, answer->generate_seconds, answer->generate_tokens_per_second(), answer->stop,
               (*engine)->n_threads(), static_cast<unsigned long long>(sampling.seed));
  return 0;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt");
  require_model(cmd->add_option("-m,--model", o->model, "GGUF model file or store name")->required());
  cmd->add_option("-p,--prompt", o->prompt, "Prompt text (BOS is added as the model asks)");
  cmd->add_option("--prompt-ids", o->prompt_ids, "Prompt as token ids: \"1 2 3\"");
  add_generation_options(cmd, &o->gen, &o->sampling);
  add_kv_flags(cmd, &o->kv, /*with_memory=*/false);
  return [o, cmd] { return run(*o, *cmd); };
}

}  // namespace herd::cli
