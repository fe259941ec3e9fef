// herd list, show, rm and cp: the model store's bookkeeping commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "store/model_store.h"

namespace herd::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string human_size(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Family and quantization from the config blob, else from the GGUF's own metadata.
void fill_from_gguf(const store::ModelStore& s, store::StoreEntry* e) {
  if (!e->config.model_family.empty() && !e->config.file_type.empty()) return;
  const store::Descriptor* model = e->manifest.find(store::LayerKind::kModel);
  if (model == nullptr) return;
  Result<std::unique_ptr<GgufFile>> f = GgufFile::open(s.layout().blob_path(model->digest));
  if (!f.ok()) return;
  if (e->config.model_family.empty()) {
    if (Result<std::string_view> a = (*f)->get_string("general.architecture"); a.ok()) e->config.model_family = *a;
  }
  if (e->config.file_type.empty()) {
    if (Result<int64_t> ft = (*f)->get_int("general.file_type"); ft.ok()) e->config.file_type = file_type_name(*ft);
  }
}

Result<store::ModelRef> parse_name(const std::string& name) { return store::ModelRef::parse(name); }

int list(bool json) {
  const store::ModelStore s(store::StoreLayout::from_environment());
  Result<std::vector<store::StoreEntry>> entries = s.list();
  if (!entries.ok()) return fail(entries.status());
  Json out = Json::array();
  for (store::StoreEntry& e : *entries) {
    fill_from_gguf(s, &e);
    out.push_back({{"name", e.ref.short_name()},
                   {"model", e.ref.full_name()},
                   {"digest", e.manifest_digest.to_string()},
                   {"size", e.size},
                   {"family", e.config.model_family},
                   {"quantization", e.config.file_type},
                   {"modified_at", iso_time(e.modified)}});
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-40s %-12s %10s  %-10s %-8s %s\n", "NAME", "ID", "SIZE", "FAMILY", "QUANT", "MODIFIED");
  for (const Json& e : out) {
    std::printf("%-40s %-12s %10s  %-10s %-8s %s\n", e["name"].get<std::string>().c_str(),
                e["digest"].get<std::string>().substr(7, 12).c_str(), human_size(e["size"].get<uint64_t>()).c_str(),
                e["family"].get<std::string>().c_str(), e["quantization"].get<std::string>().c_str(),
                e["modified_at"].get<std::string>().c_str());
  }
  return 0;
}

Json model_metadata(const std::string& path, std::string* gguf_template, std::string* gguf_license) {
  Json meta = Json::object();
  Result<std::unique_ptr<Model>> model = Model::load(path);
  if (!model.ok()) {
    meta["error"] = model.status().message();
    return meta;
  }
  const ModelInfo info = model_info(**model);
  meta = {{"architecture", info.architecture}, {"name", info.name},         {"parameters", info.n_params},
          {"file_type", info.file_type},       {"context_length", info.n_ctx_train},
          {"embedding_length", info.n_embd},   {"layers", info.n_layer},    {"heads", info.n_head},
          {"kv_heads", info.n_head_kv},        {"vocab_size", info.n_vocab}};
  const GgufFile& f = (*model)->gguf();
  if (Result<std::string_view> t = f.get_string("tokenizer.chat_template"); t.ok()) *gguf_template = *t;
  if (Result<std::string_view> l = f.get_string("general.license"); l.ok()) *gguf_license = *l;
  return meta;
}

int show(const std::string& name, bool json) {
  Result<store::ModelRef> ref = parse_name(name);
  if (!ref.ok()) return fail(ref.status());
  const store::ModelStore s(store::StoreLayout::from_environment());
  Result<store::StoreEntry> e = s.entry(*ref);
  if (!e.ok()) return fail(e.status());
  Result<store::ResolvedModel> r = s.resolve(*ref);
  if (!r.ok()) return fail(r.status());
  std::string gguf_template, gguf_license;
  Json out = {{"name", ref->short_name()}, {"model", ref->full_name()}, {"digest", e->manifest_digest.to_string()}};
  out["metadata"] = model_metadata(r->model_path, &gguf_template, &gguf_license);
  out["parameters"] = r->params;
  if (r->system) out["system"] = *r->system;
  if (!r->messages.empty()) {
    out["messages"] = Json::array();
    for (const auto& m : r->messages) out["messages"].push_back({{"role", m.role}, {"content", m.content}});
  }
  out["template"] = r->chat_template ? *r->chat_template : gguf_template;
  out["license"] = r->license ? *r->license : gguf_license;
  if (r->adapter_path) out["adapter"] = *r->adapter_path;
  out["blobs"] = Json::array();
  out["blobs"].push_back({{"media_type", e->manifest.config.media_type},
                          {"digest", e->manifest.config.digest.to_string()},
                          {"size", e->manifest.config.size}});
  for (const store::Descriptor& d : e->manifest.layers) {
    out["blobs"].push_back({{"media_type", d.media_type}, {"digest", d.digest.to_string()}, {"size", d.size}});
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%s (%s)\n\n  Model\n", out["name"].get<std::string>().c_str(), out["digest"].get<std::string>().c_str());
  for (const auto& [k, v] : out["metadata"].items()) std::printf("    %-18s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  if (!r->params.empty()) {
    std::printf("\n  Parameters\n");
    for (const auto& [k, v] : r->params.items()) std::printf("    %-18s %s\n", k.c_str(), v.dump().c_str());
  }
  if (r->system) std::printf("\n  System\n    %s\n", r->system->c_str());
  if (!r->messages.empty()) std::printf("\n  Messages: %zu\n", r->messages.size());
  const std::string& license = out["license"].get_ref<const std::string&>();
  if (!license.empty()) std::printf("\n  License\n    %s\n", license.substr(0, license.find('\n')).c_str());
  std::printf("\n  Blobs\n");
  for (const Json& b : out["blobs"]) {
    std::printf("    %s  %10s  %s\n", b["digest"].get<std::string>().c_str(), human_size(b["size"].get<uint64_t>()).c_str(),
                b["media_type"].get<std::string>().c_str());
  }
  return 0;
}

int remove(const std::vector<std::string>& names) {
  const store::ModelStore s(store::StoreLayout::from_environment());
  for (const std::string& name : names) {
    Result<store::ModelRef> ref = parse_name(name);
    if (!ref.ok()) return fail(ref.status());
    Result<uint64_t> freed = s.remove(*ref);
    if (!freed.ok()) return fail(freed.status());
    std::printf("deleted %s (%s freed)\n", ref->short_name().c_str(), human_size(*freed).c_str());
  }
  return 0;
}

int prune() {
  const store::ModelStore s(store::StoreLayout::from_environment());
  Result<store::TmpSweepReport> swept = s.prune_tmp();
  if (!swept.ok()) return fail(swept.status());
  std::printf("removed %llu leftover file%s from tmp/ (%s freed)\n", static_cast<unsigned long long>(swept->files),
              swept->files == 1 ? "" : "s", human_size(swept->bytes).c_str());
  return 0;
}

int copy(const std::string& from, const std::string& to) {
  Result<store::ModelRef> src = parse_name(from);
  if (!src.ok()) return fail(src.status());
  Result<store::ModelRef> dst = parse_name(to);
  if (!dst.ok()) return fail(dst.status());
  const store::ModelStore s(store::StoreLayout::from_environment());
  const Status st = s.copy(*src, *dst);
  if (!st.ok()) return fail(st);
  std::printf("copied %s to %s\n", src->short_name().c_str(), dst->short_name().c_str());
  return 0;
}

}  // namespace

CommandRunner add_list_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("list", "List the models in the store ($HERD_HOME, default ~/.herd)");
  cmd->alias("ls");
  cmd->add_flag("--json", *json, "Print JSON");
  return [json] { return list(*json); };
}

CommandRunner add_show_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("show", "Show a stored model: metadata, parameters, template, license, blobs");
  cmd->add_option("name", *name, "Model name")->required();
  cmd->add_flag("--json", *json, "Print JSON");
  return [name, json] { return show(*name, *json); };
}

CommandRunner add_rm_command(CLI::App& app) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("rm", "Remove models from the store (a blob goes when no model uses it)");
  cmd->add_option("names", *names, "Model names")->required();
  return [names] { return remove(*names); };
}

CommandRunner add_prune_command(CLI::App& app) {
  app.add_subcommand("prune",
                     "Remove what interrupted downloads left in the store's tmp/ (never a pull in progress)");
  return [] { return prune(); };
}

CommandRunner add_cp_command(CLI::App& app) {
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("cp", "Copy a model to a new name (no bytes are copied)");
  cmd->add_option("source", *from, "Model name")->required();
  cmd->add_option("destination", *to, "New name")->required();
  return [from, to] { return copy(*from, *to); };
}

}  // namespace herd::cli
