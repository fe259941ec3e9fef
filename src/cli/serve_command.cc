// herd serve: the OpenAI-compatible HTTP server over one model. It listens first (so
// /health answers "loading" while the model loads), then hands requests to the engine.
// SIGTERM, SIGHUP, SIGQUIT or Ctrl-C drains: /health goes 503, new requests are refused,
// idle connections close, requests in flight finish, then it exits; a second signal
// stops at once. Each request gets one access-log line on stderr.
#include <CLI/CLI.hpp>
#include <openssl/crypto.h>
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
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
#include "http/socket.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "server/http_server.h"
#include "server/push_key.h"
#include "server/served_model.h"
#include "store/store_layout.h"
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
  int64_t max_request_tokens = 0;
  size_t max_body_bytes = 8u << 20;
  size_t max_connections = 2048;
  std::string cors_origin;
  bool no_access_log = false;
  bool chat_parse_special = false;
  std::string push_key;  // wiped once hashed
  KvFlags kv;
};

// The store as a registry: read-only for all, pushes with the key. The key is kept
// only as its keyed hash; the option's copy is wiped here.
Result<server::RegistryParams> registry_params(ServeOptions& o) {
  server::RegistryParams registry;
  registry.home = store::StoreLayout::from_environment().home();
  if (!o.push_key.empty()) {
    Result<server::PushKey> key = server::PushKey::create(o.push_key);
    OPENSSL_cleanse(o.push_key.data(), o.push_key.size());
    o.push_key.clear();
    if (!key.ok()) return key.status().with_context("--push-key");
    registry.push_key = std::make_shared<const server::PushKey>(std::move(key).value());
  }
  return registry;
}

// Waits for the signals blocked in every thread (so only this one sees them). SIGINT,
// SIGTERM, SIGHUP and SIGQUIT: the first starts a drain, the second stops the server at
// once. SIGUSR1 and SIGUSR2 are ignored (and say so) rather than killing the process.
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

 private:
  void loop() {
    const timespec tick{0, 200'000'000};
    while (!quit_.load()) {
      const int sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig < 0) continue;
      if (sig == SIGUSR1 || sig == SIGUSR2) {
        std::fprintf(stderr, "herd serve: ignoring %s\n", sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
      } else if (!signalled_.exchange(true)) {
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

// Stops the server and joins the thread serving it, however the scope is left.
struct ServingThread {
  ServingThread(server::HttpServer* http, Status* result) : http_(http) {
    thread_ = std::thread([http, result] { *result = http->serve(); });
  }
  ~ServingThread() {
    http_->stop();
    join();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  server::HttpServer* http_;
  std::thread thread_;
};

// Loads the model, starts the engine and hands both to the server. Whatever throws
// (a bad file, memory) becomes an error here, never a terminate.
Status start_serving(const ServeOptions& o, const KvSettings& kv, const server::HttpServerParams& params,
                     server::HttpServer& http, std::optional<LoadedModel>* loaded, std::unique_ptr<GenerationService>* engine) {
  try {
    Result<LoadedModel> model = load_model_and_tokenizer(o.model);
    if (!model.ok()) return model.status();
    loaded->emplace(std::move(model).value());
    EngineParams ep;
    ep.n_parallel = o.n_parallel;
    ep.n_ctx = o.n_ctx;
    ep.kv_type_k = kv.type_k;
    ep.kv_type_v = kv.type_v;
    ep.kv_memory_bytes = kv.memory_bytes;
    ep.n_threads = o.n_threads;
    ep.max_queue = o.max_queue;
    ep.max_request_tokens = o.max_request_tokens;
    ep.max_n = params.limits.max_n;
    ep.max_top_logprobs = params.limits.max_top_logprobs;
    Result<std::unique_ptr<Engine>> created = Engine::create(*(*loaded)->model, *(*loaded)->tokenizer, ep);
    if (!created.ok()) return created.status().with_context("starting the engine");
    *engine = std::move(created).value();
    Result<std::string_view> tmpl = (*loaded)->model->gguf().get_string("tokenizer.chat_template");
    if (!tmpl.ok()) std::fprintf(stderr, "herd serve: the model has no chat template; using ChatML\n");
    const std::string id = o.alias.empty() ? server::model_id_from_path(o.model) : o.alias;
    Result<server::ServedModel> served = server::make_served_model(
        id, *(*loaded)->tokenizer, tmpl.ok() ? std::optional<std::string>(std::string(*tmpl)) : std::nullopt);
    if (!served.ok()) return served.status();
    if (!o.alias.empty()) served->names.push_back(server::model_id_from_path(o.model));
    served->chat_parse_special = o.chat_parse_special;
    http.set_ready(std::move(served).value(), engine->get());
    std::fprintf(stderr, "herd serve: ready (model \"%s\", context %d, %d in parallel)\n", id.c_str(),
                 (*engine)->n_ctx(), o.n_parallel);
    return Status();
  } catch (const std::exception& e) {
    return internal_error(std::string("loading ") + o.model + ": " + e.what());
  } catch (...) {
    return internal_error("loading " + o.model + ": unknown exception");
  }
}

int run(ServeOptions& o) {
  const Result<KvSettings> kv = resolve_kv_flags(o.kv);
  if (!kv.ok()) return fail(kv.status());
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts: they inherit it
  std::signal(SIGPIPE, SIG_IGN);              // a client that hangs up must not kill us
  // Each connection holds a descriptor: allow as many as the hard limit does.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // A file that is not a GGUF at all fails here, before the server listens.
  try {
    const Result<store::ResolvedModel> resolved = store::resolve_model_argument(o.model);
    if (!resolved.ok()) return fail(resolved.status());
    Result<std::unique_ptr<GgufFile>> file = GgufFile::open(resolved->model_path);
    if (!file.ok()) return fail(file.status());
  } catch (const std::exception& e) {
    return fail("reading " + o.model + ": " + e.what());
  }

  Result<server::RegistryParams> registry = registry_params(o);
  if (!registry.ok()) return fail(registry.status());
  server::HttpServerParams params;
  params.registry = std::move(registry).value();
  params.host = o.host;
  params.port = o.port;
  params.max_body_bytes = o.max_body_bytes;
  params.max_connections = o.max_connections;
  params.cors_origin = o.cors_origin;
  params.access_log = !o.no_access_log;
  params.n_http_threads = std::min(o.n_parallel + o.max_queue + 8, 4096);  // every admitted request holds one
  server::HttpServer http(params);
  Result<int> port = http.bind();
  if (!port.ok()) return fail(port.status());
  std::fprintf(stderr, "herd serve: listening on http://%s:%d (loading %s)\n", http::host_for_url(o.host).c_str(),
               *port, o.model.c_str());
  if (params.registry->push_key) {
    std::fprintf(stderr, "herd serve: accepting pushes with the push key into %s\n", params.registry->home.c_str());
  }

  std::optional<LoadedModel> loaded;
  std::unique_ptr<GenerationService> engine;
  Status serve_status;
  Status started;
  {
    // Destroyed in reverse: the server stops and its thread ends before the watcher,
    // and both before the engine and the model they use.
    SignalWatcher watcher(&http, set);
    ServingThread serving(&http, &serve_status);
    started = start_serving(o, *kv, params, http, &loaded, &engine);
    if (started.ok()) serving.join();  // until a drain (or a second signal) stops the server
  }
  if (!started.ok()) return fail(started);
  if (!serve_status.ok()) return fail(serve_status);
  std::fprintf(stderr, "herd serve: stopped\n");
  return 0;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API");
  require_model(cmd->add_option("-m,--model", o->model, "GGUF model file or store name")->required());
  cmd->add_option("--alias", o->alias, "Model id clients use (default: the file name without .gguf)");
  cmd->add_option("--host", o->host, "Address to listen on (loopback by default)")->capture_default_str();
  cmd->add_option("--port", o->port, "Port to listen on (0: any free port)")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--parallel", o->n_parallel, "Sequences decoded at once")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("-c,--ctx-size", o->n_ctx, "Context size per sequence (0: the model's training context)")
      ->check(CLI::Range(0, 1 << 24));
  cmd->add_option("-t,--threads", o->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("--max-queue", o->max_queue, "Sequences waiting (n choices count n) before new requests get 429")
      ->capture_default_str()->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--max-request-tokens", o->max_request_tokens,
                  "Most tokens one request may ask for, n x (prompt + max_tokens) (0: parallel x ctx-size)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd->add_option("--max-body", o->max_body_bytes, "Largest request body in bytes (larger: 413)")
      ->capture_default_str()->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  cmd->add_option("--max-connections", o->max_connections, "Open connections before new ones get 503")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd->add_option("--cors-origin", o->cors_origin,
                  "Allow browser pages from this origin (e.g. http://localhost:3000, or *) to call the API");
  cmd->add_flag("--no-access-log", o->no_access_log, "No access-log line per request on stderr");
  cmd->add_flag("--chat-parse-special", o->chat_parse_special,
                "Let special-token text in chat messages (\"<|im_start|>\", \"</s>\") become control tokens "
                "(unsafe: clients can forge turns)");
  cmd->add_option("--push-key", o->push_key,
                  "Accept `herd push` uploads into $HERD_HOME from clients with this key (at least 16 characters; "
                  "prefer the environment variable, which ps cannot show)")
      ->envname("HERD_PUSH_KEY");
  add_kv_flags(cmd, &o->kv, /*with_memory=*/true);
  return [o] { return run(*o); };
}

}  // namespace herd::cli
