// Small helpers shared by the subcommands: error reporting and argument parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace herd {
class Model;
class Tokenizer;
}  // namespace herd

namespace herd::cli {

// Prints "herd: error: <message>" on one line to stderr and returns exit code 1.
int fail(const Status& status);
int fail(const std::string& message);

// "1 2 3" or "1,2,3" -> ids; an error names the bad item.
Result<std::vector<int32_t>> parse_id_list(const std::string& text);

struct LoadedModel {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
};
Result<LoadedModel> load_model_and_tokenizer(const std::string& path);

}  // namespace herd::cli
