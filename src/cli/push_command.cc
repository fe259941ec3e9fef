// herd push NAME http://HOST:PORT/NAMESPACE/MODEL[:TAG]: uploads a model from the local
// store to another herd (herd serve --push-key) or a Docker v2 registry. The key comes
// from --key or HERD_PUSH_KEY (which `ps` cannot show) and is never printed.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "store/model_store.h"
#include "store/registry_push.h"

namespace herd::cli {
namespace {

struct PushOptions {
  std::string name;
  std::string target;
  std::string key;
};

// One line per blob when it is done; on a terminal, a running count while it goes up.
void print_progress(const store::PushProgress& p) {
  static const bool tty = ::isatty(2) == 1;
  const std::string digest = p.digest.to_string().substr(0, 19);
  if (p.exists) {
    std::fprintf(stderr, "%s  %llu bytes  already there\n", digest.c_str(), static_cast<unsigned long long>(p.size));
  } else if (p.done) {
    // On a terminal, "\r\033[K" first replaces the running count.
    std::fprintf(stderr, "%s%s  %llu bytes  pushed\n", tty ? "\r\033[K" : "", digest.c_str(),
                 static_cast<unsigned long long>(p.size));
  } else if (tty) {
    std::fprintf(stderr, "\r%s  %llu/%llu bytes", digest.c_str(), static_cast<unsigned long long>(p.sent),
                 static_cast<unsigned long long>(p.size));
  }
}

int run(const PushOptions& o) {
  Result<store::ModelRef> source = store::ModelRef::parse(o.name);
  if (!source.ok()) return fail(source.status());
  Result<store::ModelRef> target = store::parse_push_target(o.target);
  if (!target.ok()) return fail(target.status());
  store::PushParams params;
  params.source = *source;
  params.target = *target;
  params.key = o.key;
  params.on_progress = print_progress;
  const store::ModelStore store(store::StoreLayout::from_environment());
  Result<store::Digest> pushed = store::push_model(store, params);
  if (!pushed.ok()) return fail(pushed.status().with_context("pushing " + source->short_name()));
  std::printf("pushed %s to %s://%s/%s/%s:%s (manifest %s)\n", source->short_name().c_str(), target->scheme.c_str(),
              target->host.c_str(), target->ns.c_str(), target->model.c_str(), target->tag.c_str(),
              pushed->to_string().c_str());
  return 0;
}

}  // namespace

CommandRunner add_push_command(CLI::App& app) {
  auto o = std::make_shared<PushOptions>();
  CLI::App* cmd = app.add_subcommand("push", "Upload a model from the store to another herd or a registry");
  cmd->add_option("name", o->name, "Model in the store (e.g. stories260K, me/tiny:q8)")->required();
  cmd->add_option("target", o->target, "Where to: http(s)://HOST[:PORT]/NAMESPACE/MODEL[:TAG]")->required();
  cmd->add_option("--key", o->key, "The registry's push key (default: $HERD_PUSH_KEY)")->envname("HERD_PUSH_KEY");
  return [o] { return run(*o); };
}

}  // namespace herd::cli
