// herd serve: the OpenAI-compatible HTTP server over one or more models (-m repeated; no
// -m: every model in the store, re-read as it changes).
// It listens first (so /health answers "loading" while the first model loads), then
// hands requests to the model pool: a model not in memory loads when a request names it,
// within --models-memory (least recently used idle models are evicted to make room), and
// idle models unload after --keep-alive; --pin keeps one loaded.
// SIGTERM, SIGHUP, SIGQUIT or Ctrl-C drains: /health goes 503, new requests are refused,
// idle connections close, requests in flight finish, then it exits; a second signal
// stops at once. Each request gets one access-log line on stderr.
#include <CLI/CLI.hpp>
#include <openssl/crypto.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/kv_flags.h"
#include "cli/model_spec_from_store.h"
#include "cli/serve_gateway.h"
#include "gguf/gguf_file.h"
#include "http/socket.h"
#include "kv/kv_budget.h"
#include "runtime/engine.h"
#include "runtime/gguf_model_loader.h"
#include "runtime/keep_alive.h"
#include "runtime/model_pool.h"
#include "server/http_server.h"
#include "server/push_key.h"
#include "server/browser_policy.h"
#include "server/served_model.h"
#include "store/model_store.h"
#include "store/store_layout.h"

namespace herd::cli {
namespace {

struct ServeOptions {
  std::vector<std::string> models;
  std::string alias;
  std::string models_memory = "0";
  std::string keep_alive = "-1";
  std::vector<std::string> pins;
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
  ServeGatewayOptions gateway;
};

// This server's name for its budget reservations: replicas sharing a database must
// differ, and a restart on the same host and port takes its old reservations back.
std::string reservation_holder(int port) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "herd");
  return std::string(host) + ":" + (port > 0 ? std::to_string(port) : "pid" + std::to_string(getpid()));
}

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

// Marks the --pin models; an error names a pin that matches none.
Status apply_pins(const std::vector<std::string>& pins, std::vector<ModelSpec>* specs) {
  for (const std::string& pin : pins) {
    auto it = std::find_if(specs->begin(), specs->end(), [&](const ModelSpec& s) { return s.answers_to(pin); });
    if (it == specs->end()) return invalid_argument("--pin " + pin + ": no model being served has that name");
    it->pinned = true;
  }
  return Status();
}

// Every model in the store that resolves (a manifest whose blobs are missing is left out).
Result<std::vector<ModelSpec>> store_specs(const std::vector<std::string>& pins) {
  const store::ModelStore s(store::StoreLayout::from_environment());
  HERD_ASSIGN_OR_RETURN(std::vector<store::StoreEntry> entries, s.list());
  std::vector<ModelSpec> specs;
  for (const store::StoreEntry& e : entries) {
    Result<store::ResolvedModel> r = s.resolve(e.ref);
    if (r.ok()) specs.push_back(spec_from_resolved(*r));
  }
  HERD_RETURN_IF_ERROR(apply_pins(pins, &specs));
  return specs;
}

// The specs -m and --alias and --pin describe; an error names the flag at fault.
Result<std::vector<ModelSpec>> model_specs(const ServeOptions& o) {
  if (o.models.empty()) {
    if (!o.alias.empty()) return invalid_argument("--alias names one -m model");
    return store_specs(o.pins);
  }
  if (!o.alias.empty() && o.models.size() > 1) {
    return invalid_argument("--alias names one model; with several -m each is named by its file name");
  }
  std::vector<ModelSpec> specs;
  for (const std::string& arg : o.models) {
    // A file, or a store name (with its preset) resolved in $HERD_HOME.
    HERD_ASSIGN_OR_RETURN(const store::ResolvedModel resolved, store::resolve_model_argument(arg));
    ModelSpec spec = spec_from_resolved(resolved);
    if (!o.alias.empty()) {
      spec.names.insert(spec.names.begin(), spec.id);
      spec.id = o.alias;
    }
    if (arg != spec.id && std::find(spec.names.begin(), spec.names.end(), arg) == spec.names.end() &&
        resolved.ref.model.size() > 0) {
      spec.names.push_back(arg);  // the name as given ("library/tiny:latest") answers too
    }
    for (const ModelSpec& other : specs) {
      if (other.answers_to(spec.id)) {
        return invalid_argument("two models are named '" + spec.id + "' (-m " + other.gguf_path + " and -m " + arg +
                                "): serve files with different names");
      }
    }
    specs.push_back(std::move(spec));
  }
  HERD_RETURN_IF_ERROR(apply_pins(o.pins, &specs));
  return specs;
}

// Loads what must be in memory before the server says ready: the pinned models, and a
// lone model (so a file that cannot load fails at start, as it always did). Whatever
// throws becomes an error here, never a terminate.
Status load_at_start(const ServeOptions& o, const std::vector<ModelSpec>& specs, ModelPool& pool) {
  try {
    for (const ModelSpec& spec : specs) {
      if (!spec.pinned && (specs.size() > 1 || o.models.empty())) continue;
      Result<ModelLease> lease = pool.acquire(spec.id);
      if (!lease.ok()) return lease.status();
      std::fprintf(stderr, "herd serve: loaded model \"%s\" (context %d, %d in parallel)\n", spec.id.c_str(),
                   lease->service().n_ctx(), o.n_parallel);
    }
    return Status();
  } catch (const std::exception& e) {
    return internal_error(std::string("loading the models: ") + e.what());
  } catch (...) {
    return internal_error("loading the models: unknown exception");
  }
}

int run(ServeOptions& o) {
  const Result<KvSettings> kv = resolve_kv_flags(o.kv);
  if (!kv.ok()) return fail(kv.status());
  const Result<uint64_t> models_memory = parse_byte_size(o.models_memory);
  if (!models_memory.ok()) return fail(models_memory.status().with_context("--models-memory"));
  const Result<std::chrono::milliseconds> keep_alive = parse_keep_alive(o.keep_alive);
  if (!keep_alive.ok()) return fail(keep_alive.status().with_context("--keep-alive"));
  const Result<std::vector<ModelSpec>> specs = model_specs(o);
  if (!specs.ok()) return fail(specs.status());
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

  // A file that is not a GGUF at all fails here, before the server listens (a -m model;
  // a store model that does not load fails its own requests).
  for (const ModelSpec& spec : o.models.empty() ? std::vector<ModelSpec>() : *specs) {
    try {
      Result<std::unique_ptr<GgufFile>> file = GgufFile::open(spec.gguf_path);
      if (!file.ok()) return fail(file.status());
    } catch (const std::exception& e) {
      return fail("reading " + spec.gguf_path + ": " + e.what());
    }
  }

  Result<std::unique_ptr<ServeGateway>> gateway = start_serve_gateway(o.gateway, reservation_holder(o.port));
  if (!gateway.ok()) return fail(gateway.status());
  if (!*gateway && !server::is_loopback_bind(o.host)) {
    std::fprintf(stderr,
                 "herd serve: WARNING: listening on %s without --auth: anyone who can reach this address can use "
                 "every model, unmetered. Start it with --auth (and `herd keys create`) to require API keys.\n",
                 o.host.c_str());
  }
  Result<server::RegistryParams> registry = registry_params(o);
  if (!registry.ok()) return fail(registry.status());
  server::HttpServerParams params;
  params.gateway = *gateway ? (*gateway)->gateway.get() : nullptr;
  params.registry = std::move(registry).value();
  params.host = o.host;
  params.port = o.port;
  params.max_body_bytes = o.max_body_bytes;
  params.max_connections = o.max_connections;
  params.cors_origin = o.cors_origin;
  params.access_log = !o.no_access_log;
  params.chat_parse_special = o.chat_parse_special;
  // Every admitted request holds one, running or queued, for each model.
  params.n_http_threads = static_cast<int>(
      std::min<int64_t>(static_cast<int64_t>(o.n_parallel + o.max_queue) *
                                     static_cast<int64_t>(std::max<size_t>(specs->size(), o.models.empty() ? 4 : 1)) + 8,
                                 4096));
  server::HttpServer http(params);
  Result<int> port = http.bind();
  if (!port.ok()) return fail(port.status());
  std::fprintf(stderr, "herd serve: listening on http://%s:%d (%zu model%s)\n", http::host_for_url(o.host).c_str(),
               *port, specs->size(), specs->size() == 1 ? "" : "s");
  if (params.gateway != nullptr) {
    std::fprintf(stderr, "herd serve: API keys required (--auth); usage is metered\n");
  }
  if (params.registry->push_key) {
    std::fprintf(stderr, "herd serve: accepting pushes with the push key into %s\n", params.registry->home.c_str());
  }

  // The budget counts every loaded model's file and KV pool; by default 3/4 of the
  // memory available now. A lone model has no budget unless given one: it loads as it
  // always did, whatever its size (the KV cache is sized within the free memory anyway).
  const uint64_t available = available_memory_bytes();
  ModelPoolParams pool_params;
  if (*models_memory > 0) {
    pool_params.memory_budget = *models_memory;
  } else if ((specs->size() > 1 || o.models.empty()) && available != UINT64_MAX) {
    pool_params.memory_budget = static_cast<uint64_t>(static_cast<double>(available) * 0.75);
  }
  pool_params.keep_alive = *keep_alive;
  pool_params.max_queue = o.max_queue;
  if (o.models.empty()) {
    // Serving the store: a model pulled, created or removed while the server runs is seen.
    pool_params.refresh = [pins = o.pins] { return store_specs(pins); };
    if (specs->empty()) std::fprintf(stderr, "herd serve: the store is empty; `herd pull NAME` adds a model\n");
  }
  GgufLoaderParams loader;
  loader.engine.n_parallel = o.n_parallel;
  loader.engine.n_ctx = o.n_ctx;
  loader.engine.kv_type_k = kv->type_k;
  loader.engine.kv_type_v = kv->type_v;
  loader.engine.kv_memory_bytes = kv->memory_bytes;
  loader.engine.n_threads = o.n_threads;
  loader.engine.max_queue = o.max_queue;
  loader.engine.max_request_tokens = o.max_request_tokens;
  loader.engine.max_n = params.limits.max_n;
  loader.engine.max_top_logprobs = params.limits.max_top_logprobs;
  loader.kv_available = std::min(available, pool_params.memory_budget);
  if (loader.kv_available == UINT64_MAX) loader.kv_available = 0;  // unknown: the engine's own default
  ModelPool pool(pool_params, make_gguf_model_loader(loader), *specs);
  Status serve_status;
  Status started;
  {
    // Destroyed in reverse: the server stops and its thread ends before the watcher,
    // and both before the engine and the model they use.
    SignalWatcher watcher(&http, set);
    ServingThread serving(&http, &serve_status);
    started = load_at_start(o, *specs, pool);
    if (started.ok()) {
      http.set_pool(&pool);
      const std::string budget = pool_params.memory_budget == UINT64_MAX
                                     ? std::string("no memory budget")
                                     : "models memory " + std::to_string(pool_params.memory_budget >> 20) + " MiB";
      std::fprintf(stderr, "herd serve: ready (%zu model%s, %s)\n", specs->size(), specs->size() == 1 ? "" : "s",
                   budget.c_str());
      serving.join();  // until a drain (or a second signal) stops the server
    }
  }
  if (!started.ok()) return fail(started);
  if (!serve_status.ok()) return fail(serve_status);
  std::fprintf(stderr, "herd serve: stopped\n");
  return 0;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve models over an OpenAI-compatible HTTP API");
  require_model(cmd->add_option("-m,--model", o->models,
                                "GGUF model file or store name; repeat to serve several (each loads when first "
                                "asked for). Without -m: every model in the store ($HERD_HOME), as it changes"));
  cmd->add_option("--alias", o->alias, "Model id clients use, with one -m (default: the file name without .gguf)");
  cmd->add_option("--models-memory", o->models_memory,
                  "Memory for loaded models, their files and KV caches (K, M, G suffixes); 0: 3/4 of the "
                  "available memory. A model that does not fit evicts the least recently used idle one")
      ->capture_default_str();
  cmd->add_option("--keep-alive", o->keep_alive,
                  "How long an idle model stays loaded (5m, 30s, 0: unload when idle, -1: until evicted); "
                  "a request's keep_alive field overrides it")
      ->capture_default_str();
  cmd->add_option("--pin", o->pins, "Keep this model loaded (from start, never evicted); repeatable");
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
  add_serve_gateway_options(cmd, &o->gateway);
  cmd->add_flag("--no-access-log", o->no_access_log, "No access-log line per request on stderr");
  cmd->add_flag("--chat-parse-special", o->chat_parse_special,
                "Let special-token text in chat messages (\"<|im_start|>\", \"</s>\") become control tokens "
                "(unsafe: clients can forge turns)");
  cmd->add_option("--push-key", o->push_key,
                  "Accept `herd push` uploads into $HERD_HOME from clients with this key (at least 16 characters; "
                  "prefer $HERD_SERVE_PUSH_KEY, which ps cannot show; not $HERD_PUSH_KEY, the client's, so a "
                  "shell set up to push never makes a server accept pushes by accident)")
      ->envname("HERD_SERVE_PUSH_KEY");
  add_kv_flags(cmd, &o->kv, /*with_memory=*/true);
  return [o] { return run(*o); };
}

}  // namespace herd::cli
