// herd serve: the OpenAI-compatible HTTP server over one model. It listens first (so
// /health answers "loading" while the model loads), then hands requests to the engine.
// SIGTERM or Ctrl-C drains: /health goes 503, new requests are refused, requests in
// flight finish, then it exits; a second signal stops at once.
#include <CLI/CLI.hpp>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/kv_flags.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "server/http_server.h"
#include "server/served_model.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

struct ServeOptions {
  std::string model;
  std::string alias;
  std::string host = "127.0.0.1";
  int port = 8080;
  int32_t n_parallel = 4;
  int32_t n_ctx = 0;
  int n_threads = 0;
  int32_t max_queue = 64;
  size_t max_body_bytes = 8u << 20;
  KvFlags kv;
};

// Waits for SIGINT/SIGTERM (blocked in every thread, so only this one sees them): the
// first starts a drain, the second stops the server at once.
class SignalWatcher {
 public:
  SignalWatcher(server::HttpServer* server, const sigset_t& set) : server_(server), set_(set) {
    thread_ = std::thread([this] { loop(); });
  }
  ~SignalWatcher() {
    quit_.store(true);
    thread_.join();
    if (drainer_.joinable()) drainer_.join();
  }
  bool signalled() const { return signalled_.load(); }

 private:
  void loop() {
    const timespec tick{0, 200'000'000};
    while (!quit_.load()) {
      if (sigtimedwait(&set_, nullptr, &tick) < 0) continue;
      if (!signalled_.exchange(true)) {
        std::fprintf(stderr, "herd serve: draining (finishing requests in flight; signal again to stop now)\n");
        drainer_ = std::thread([this] { server_->drain(); });
      } else {
        std::fprintf(stderr, "herd serve: stopping now\n");
        server_->stop();
      }
    }
  }

  server::HttpServer* server_;
  sigset_t set_;
  std::atomic<bool> quit_{false};
  std::atomic<bool> signalled_{false};
  std::thread thread_;
  std::thread drainer_;
};

int run(const ServeOptions& o) {
  const Result<KvSettings> kv = resolve_kv_flags(o.kv);
  if (!kv.ok()) return fail(kv.status());
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts: they inherit it
  std::signal(SIGPIPE, SIG_IGN);              // a client that hangs up must not kill us

  server::HttpServerParams params;
  params.host = o.host;
  params.port = o.port;
  params.max_body_bytes = o.max_body_bytes;
  params.n_http_threads = o.n_parallel + o.max_queue + 8;  // every admitted request holds one
  server::HttpServer http(params);
  Result<int> port = http.bind();
  if (!port.ok()) return fail(port.status());
  Status serve_status;
  std::thread serving([&] { serve_status = http.serve(); });
  std::fprintf(stderr, "herd serve: listening on http://%s:%d (loading %s)\n", o.host.c_str(), *port,
               o.model.c_str());

  int exit_code = 0;
  {
    std::optional<SignalWatcher> watcher(std::in_place, &http, set);
    Result<LoadedModel> loaded = load_model_and_tokenizer(o.model);
    std::unique_ptr<GenerationService> engine;
    if (!loaded.ok()) {
      exit_code = fail(loaded.status());
    } else {
      EngineParams ep;
      ep.n_parallel = o.n_parallel;
      ep.n_ctx = o.n_ctx;
      ep.kv_type_k = kv->type_k;
      ep.kv_type_v = kv->type_v;
      ep.kv_memory_bytes = kv->memory_bytes;
      ep.n_threads = o.n_threads;
      ep.max_queue = o.max_queue;
      ep.max_n = params.limits.max_n;
      ep.max_top_logprobs = params.limits.max_top_logprobs;
      Result<std::unique_ptr<Engine>> created = Engine::create(*loaded->model, *loaded->tokenizer, ep);
      if (!created.ok()) {
        exit_code = fail(created.status().with_context("starting the engine"));
      } else {
        engine = std::move(created).value();
      }
    }
    if (exit_code == 0) {
      Result<std::string_view> tmpl = loaded->model->gguf().get_string("tokenizer.chat_template");
      if (!tmpl.ok()) std::fprintf(stderr, "herd serve: the model has no chat template; using ChatML\n");
      Result<server::ServedModel> served = server::make_served_model(
          o.alias.empty() ? server::model_id_from_path(o.model) : o.alias, *loaded->tokenizer,
          tmpl.ok() ? std::optional<std::string>(std::string(*tmpl)) : std::nullopt);
      if (!served.ok()) {
        exit_code = fail(served.status());
      } else {
        if (!o.alias.empty()) served->names.push_back(server::model_id_from_path(o.model));
        http.set_ready(std::move(served).value(), engine.get());
        std::fprintf(stderr, "herd serve: ready (model \"%s\", context %d, %d in parallel)\n",
                     o.alias.empty() ? server::model_id_from_path(o.model).c_str() : o.alias.c_str(),
                     engine->n_ctx(), o.n_parallel);
      }
    }
    if (exit_code != 0) http.stop();
    serving.join();  // until a drain (or a second signal) stops the server
    // The watcher (and a drain it started) must end before the engine and model go.
    watcher.reset();
    if (exit_code == 0 && !serve_status.ok()) exit_code = fail(serve_status);
  }
  if (exit_code == 0) std::fprintf(stderr, "herd serve: stopped\n");
  return exit_code;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API");
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--alias", o->alias, "Model id clients use (default: the file name without .gguf)");
  cmd->add_option("--host", o->host, "Address to listen on (loopback by default)")->capture_default_str();
  cmd->add_option("--port", o->port, "Port to listen on")->capture_default_str()->check(CLI::Range(1, 65535));
  cmd->add_option("--parallel", o->n_parallel, "Sequences decoded at once")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("-c,--ctx-size", o->n_ctx, "Context size per sequence (0: the model's training context)")
      ->check(CLI::Range(0, 1 << 24));
  cmd->add_option("-t,--threads", o->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("--max-queue", o->max_queue, "Requests waiting before new ones get 429")
      ->capture_default_str()->check(CLI::Range(0, 1 << 16));
  cmd->add_option("--max-body", o->max_body_bytes, "Largest request body in bytes (larger: 413)")
      ->capture_default_str()->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  add_kv_flags(cmd, &o->kv, /*with_memory=*/true);
  return [o] { return run(*o); };
}

}  // namespace herd::cli
