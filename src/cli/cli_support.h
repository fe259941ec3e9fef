// Small helpers shared by the subcommands: error reporting and argument parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/model_store.h"
#include "tensor/dtype.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace herd {
struct SamplingParams;
class Model;
class Tokenizer;
}  // namespace herd

namespace herd::cli {

// Prints "herd: error: <message>" on one line to stderr and returns exit code 1.
int fail(const Status& status);
int fail(const std::string& message);

// 1796083200 -> "2026-12-01T00:00:00Z".
std::string iso_time(int64_t unix_seconds);

// Makes opt accept only a regular file (after symlinks). Use it instead of
// CLI::ExistingFile for model paths: that one lets a FIFO through, and opening a FIFO
// blocks until a writer comes. The error is one line: "<path>: not a regular file (a FIFO)".
CLI::Option* require_regular_file(CLI::Option* opt);
// Makes opt accept a model file or a store name ("stories260K", "me/tiny:q8",
// "hf.co/user/repo:Q4_0") that resolves in $HERD_HOME; the error says how to pull it.
CLI::Option* require_model(CLI::Option* opt);

// "1 2 3" or "1,2,3" -> ids; an error names the bad item.
Result<std::vector<int32_t>> parse_id_list(const std::string& text);

// Options every generating command shares: -n, -c, -t and the sampling options,
// registered with the same names and help everywhere. The seed is random unless -s is given.
struct GenerationOptions {
  int32_t n_predict = 128;
  int32_t n_ctx = 0;
  int32_t n_threads = 0;
  bool seed_given = false;
  DType kv_type_k = DType::kF16;  // the KV cache's element types (kv_flags.h)
  DType kv_type_v = DType::kF16;
};
void add_generation_options(CLI::App* cmd, GenerationOptions* gen, SamplingParams* sampling);
// The sampling parameters to use: a random seed unless one was given; validated.
Result<SamplingParams> resolve_sampling(const GenerationOptions& gen, const SamplingParams& sampling);

struct LoadedModel {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  store::ResolvedModel resolved;  // the file, and a preset's additions when a store name was given
};
// A model file or a store name (see require_model).
Result<LoadedModel> load_model_and_tokenizer(const std::string& model_argument);

}  // namespace herd::cli
