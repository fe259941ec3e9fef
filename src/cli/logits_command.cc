// herd logits: evaluate ids as one batch and write every position's logits as
// little-endian float32, row by row, for comparison with other implementations.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "model/context.h"
#include "model/model.h"

namespace herd::cli {
namespace {

struct LogitsOptions {
  std::string model;
  std::string ids;
  std::string output;
  int32_t n_threads = 0;
};

Status write_rows(const Context& ctx, int64_t n_rows, const std::string& path) {
  const std::string tmp = path + ".partial";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return io_error(path + ": " + std::strerror(errno));
  bool ok = true;
  for (int64_t i = 0; i < n_rows && ok; ++i) {
    std::span<const float> row = ctx.logits(i);
    ok = std::fwrite(row.data(), sizeof(float), row.size(), f) == row.size();  // x86-64 is little-endian
  }
  ok = std::fflush(f) == 0 && ok;
  const int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return io_error(path + ": write failed: " + std::strerror(err ? err : errno));
  }
  return Status();
}

int run(const LogitsOptions& o) {
  Result<std::vector<int32_t>> ids = parse_id_list(o.ids);
  if (!ids.ok()) return fail(ids.status().with_context("--ids"));
  Result<std::unique_ptr<Model>> model = Model::load(o.model);
  if (!model.ok()) return fail(model.status());
  ContextParams cp;
  cp.n_ctx = std::max<int32_t>(static_cast<int32_t>(ids->size()), 1);
  cp.n_threads = o.n_threads;
  // Logits dumps are compared with references made with an F32 K/V cache (llama.cpp's
  // dumper in ../shared/reference): keep the cache exact here.
  cp.kv_type_k = cp.kv_type_v = DType::kF32;
  Result<std::unique_ptr<Context>> ctx = Context::create(**model, cp);
  if (!ctx.ok()) return fail(ctx.status());
  if (Status s = (*ctx)->eval(*ids, /*all_logits=*/true); !s.ok()) return fail(s);
  if (Status s = write_rows(**ctx, static_cast<int64_t>(ids->size()), o.output); !s.ok()) return fail(s);
  std::fprintf(stderr, "wrote %zu x %d logits to %s\n", ids->size(), (*model)->hparams().n_vocab, o.output.c_str());
  return 0;
}

}  // namespace

CommandRunner add_logits_command(CLI::App& app) {
  auto o = std::make_shared<LogitsOptions>();
  CLI::App* cmd = app.add_subcommand("logits", "Write the logits of every position as float32");
  require_regular_file(cmd->add_option("-m,--model", o->model, "GGUF model file")->required());
  cmd->add_option("--ids", o->ids, "Token ids: \"1 2 3\"")->required();
  cmd->add_option("-o,--output", o->output, "Output file")->required();
  cmd->add_option("-t,--threads", o->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  return [o] { return run(*o); };
}

}  // namespace herd::cli
