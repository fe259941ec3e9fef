#include "cli/model_config.h"

#include <cstdio>
#include <memory>

#include "model/model.h"

namespace herd::cli {
namespace {

// "1.1B", "260K": the parameter count as model cards write it.
std::string parameter_size(int64_t n) {
  const char* units[] = {"", "K", "M", "B", "T"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), v < 10 && u > 0 ? "%.1f%s" : "%.0f%s", v, units[u]);
  return buf;
}

}  // namespace

store::ModelConfig describe_model_file(const std::string& path) {
  store::ModelConfig c;
  Result<std::unique_ptr<Model>> model = Model::load(path);
  if (!model.ok()) return c;
  const ModelInfo info = model_info(**model);
  c.model_family = info.architecture;
  c.file_type = info.file_type;
  c.model_type = parameter_size(info.n_params);
  return c;
}

}  // namespace herd::cli
