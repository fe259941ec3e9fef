// herd quantize: convert an F32/F16/BF16 model to a quantized file type, with progress.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "convert/quant_recipe.h"
#include "convert/quantize.h"

namespace herd::cli {

// "[ 12/201] blk.0.attn_q.weight   F32 -> Q4_0   64.00 -> 9.00 MB   812.3 MB/s"
void print_tensor_progress(const QuantizeProgress& p) {
  const double mb_in = p.bytes_in / 1e6;
  const double rate = p.seconds > 0 ? mb_in / p.seconds : 0.0;
  std::fprintf(stderr, "[%4zu/%zu] %-32.*s %5.*s -> %-6.*s %9.2f -> %8.2f MB  %8.1f MB/s\n", p.index, p.n_tensors,
               static_cast<int>(p.name.size()), p.name.data(), static_cast<int>(dtype_name(p.from).size()),
               dtype_name(p.from).data(), static_cast<int>(dtype_name(p.to).size()), dtype_name(p.to).data(), mb_in,
               p.bytes_out / 1e6, rate);
}

CommandRunner add_quantize_command(CLI::App& app) {
  auto o = std::make_shared<QuantizeParams>();
  CLI::App* cmd = app.add_subcommand("quantize", "Quantize an F32/F16/BF16 GGUF model");
  require_regular_file(cmd->add_option("input", o->input, "Source GGUF (F32, F16 or BF16 weights)")->required());
  cmd->add_option("output", o->output, "Output GGUF")->required();
  cmd->add_option("type", o->type, "File type: " + file_type_names())->required();
  cmd->add_option("-t,--threads", o->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  return [o] {
    QuantizeParams p = *o;
    p.on_tensor = print_tensor_progress;
    Result<QuantizeSummary> s = quantize_model(p);
    if (!s.ok()) return fail(s.status());
    std::fprintf(stderr, "quantized %zu of %zu tensors: %.2f MB -> %.2f MB in %.2f s (%.1f MB/s)\n", s->n_quantized,
                 s->n_tensors, s->bytes_in / 1e6, s->bytes_out / 1e6, s->seconds,
                 s->seconds > 0 ? s->bytes_in / 1e6 / s->seconds : 0.0);
    std::printf("%s\n", p.output.c_str());
    return 0;
  };
}

}  // namespace herd::cli
