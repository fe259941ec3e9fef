// herd create NAME -f Herdfile: a preset ("custom GPT") in the store.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "base/mapped_file.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "model/model.h"
#include "store/herdfile.h"
#include "store/preset_builder.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

struct CreateOptions {
  std::string name;
  std::string file = "Herdfile";
};

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

store::ModelConfig describe_gguf_model(const std::string& path) {
  store::ModelConfig c;
  Result<std::unique_ptr<Model>> model = Model::load(path);
  if (!model.ok()) return c;
  const ModelInfo info = model_info(**model);
  c.model_family = info.architecture;
  c.file_type = info.file_type;
  c.model_type = parameter_size(info.n_params);
  return c;
}

int create(const CreateOptions& o) {
  Result<store::ModelRef> name = store::ModelRef::parse(o.name);
  if (!name.ok()) return fail(name.status());
  const Status regular = check_regular_file(o.file);
  if (!regular.ok()) return fail(regular);
  std::ifstream in(o.file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return fail(o.file + ": cannot be read");
  Result<store::Herdfile> herdfile = store::Herdfile::parse(text.str());
  if (!herdfile.ok()) return fail(herdfile.status().with_context(o.file));
  store::PresetSources sources;
  const size_t slash = o.file.find_last_of('/');
  sources.base_dir = slash == std::string::npos ? "." : o.file.substr(0, slash);
  sources.describe = describe_gguf_model;
  sources.on_progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  const store::ModelStore s(store::StoreLayout::from_environment());
  Result<store::Digest> digest = store::create_preset(s, *name, *herdfile, sources);
  if (!digest.ok()) return fail(digest.status());
  // A preset must run: its model layer loads and its template (if any) parses.
  Result<LoadedModel> check = load_model_and_tokenizer(name->full_name());
  if (!check.ok()) {
    (void)s.remove(*name);
    return fail(check.status().with_context("the new model does not load; not created"));
  }
  std::printf("created %s (%s)\n", name->short_name().c_str(), digest->to_string().c_str());
  return 0;
}

}  // namespace

CommandRunner add_create_command(CLI::App& app) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* cmd = app.add_subcommand("create", "Create a model (a preset) in the store from a Herdfile");
  cmd->add_option("name", o->name, "Name for the new model")->required();
  cmd->add_option("-f,--file", o->file, "The Herdfile")->capture_default_str();
  return [o] { return create(*o); };
}

}  // namespace herd::cli
