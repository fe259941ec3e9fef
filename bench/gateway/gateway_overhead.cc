// bench_gateway_overhead: the gateway's own cost per request, in process: authenticate
// the key, check the model, admit (rate windows; budget reservation when the key has a
// budget) and settle (one ledger row committed). p50 / p99 / max in microseconds, per
// kind of key, from 1 and from several threads at once.
//
//   bench_gateway_overhead [--db PATH|postgres://...] [--requests N] [--threads T]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "gateway/gateway.h"
#include "gateway/key_admin.h"

namespace {

using namespace herd;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string db;
  int requests = 20000;
  int threads = 4;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at];
}

// One request's trip through the gateway; its duration in microseconds.
double one_request(gateway::Gateway& g, const std::string& key, int i) {
  const Clock::time_point t0 = Clock::now();
  std::variant<gateway::Caller, gateway::Refusal> who = g.authenticate(key);
  const auto* caller = std::get_if<gateway::Caller>(&who);
  if (caller == nullptr) std::abort();
  const std::string model = "tiny";
  if (!g.may_use(*caller, std::span<const std::string>(&model, 1))) std::abort();
  std::variant<gateway::Admission, gateway::Refusal> admitted = g.admit(*caller, {model, 24, 8});
  auto* a = std::get_if<gateway::Admission>(&admitted);
  if (a == nullptr) {
    std::fprintf(stderr, "refused: %s\n", std::get<gateway::Refusal>(admitted).message.c_str());
    std::exit(1);
  }
  a->row().request_id = "bench-" + std::to_string(i);
  a->row().route = "/v1/completions";
  a->row().tokens = {24, 16, 8};
  a->row().status = 200;
  if (!a->settle().ok()) std::abort();
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

void report(const char* what, int threads, std::vector<double> us) {
  std::vector<double> copy = us;
  const double p50 = percentile(copy, 0.50);
  const double p99 = percentile(copy, 0.99);
  const double max = *std::max_element(us.begin(), us.end());
  std::printf("%-28s threads=%d  n=%zu  p50=%.1f us  p99=%.1f us  max=%.1f us\n", what, threads, us.size(), p50, p99,
              max);
  std::fflush(stdout);
}

void run(gateway::Gateway& g, const char* what, const std::string& key, const Args& args) {
  for (int i = 0; i < 200; ++i) one_request(g, key, -i);  // warm caches and statements
  std::vector<double> single;
  single.reserve(static_cast<size_t>(args.requests));
  for (int i = 0; i < args.requests; ++i) {
    single.push_back(one_request(g, key, i));
    if ((i + 1) % 5000 == 0) std::fprintf(stderr, "  %s: %d/%d\n", what, i + 1, args.requests);
  }
  report(what, 1, single);
  std::vector<std::vector<double>> per(static_cast<size_t>(args.threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < args.threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < args.requests / args.threads; ++i) per[t].push_back(one_request(g, key, 1'000'000 * (t + 1) + i));
    });
  }
  for (std::thread& t : pool) t.join();
  std::vector<double> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  report(what, args.threads, all);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--db") args.db = argv[i + 1];
    else if (flag == "--requests") args.requests = std::atoi(argv[i + 1]);
    else if (flag == "--threads") args.threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_gateway_overhead [--db PATH|postgres://...] [--requests N] [--threads T]\n");
      return 2;
    }
  }
  std::string dir;
  if (args.db.empty()) {
    char pattern[] = "/tmp/herd-gwbench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 1;
    dir = pattern;
    args.db = dir + "/gateway.db";
  }
  std::array<uint8_t, 32> secret{};
  secret[0] = 1;
  const gateway::KeyHasher hasher = gateway::KeyHasher::from_secret(secret);
  Result<std::unique_ptr<gateway::GatewayDb>> db = gateway::open_gateway_db(args.db);
  if (!db.ok() || !(*db)->migrate(hasher.check_value()).ok()) {
    std::fprintf(stderr, "cannot open the database\n");
    return 1;
  }
  if (!(*db)->set_price("tiny", {150'000, 75'000, 600'000}).ok()) return 1;
  const std::string suffix = std::to_string(::getpid());
  auto make = [&](const char* name, gateway::KeySpec spec) {
    spec.name = std::string(name) + "-" + suffix;
    Result<gateway::CreatedKey> k = gateway::create_key(**db, hasher, spec);
    if (!k.ok()) {
      std::fprintf(stderr, "%s\n", k.status().message().c_str());
      std::exit(1);
    }
    return k->key;
  };
  const std::string plain = make("plain", {});
  gateway::KeySpec limited;
  limited.rpm = int64_t{1} << 30;
  limited.tpm = int64_t{1} << 36;
  const std::string with_limits = make("limits", limited);
  gateway::KeySpec budgeted = limited;
  budgeted.budget = gateway::kMicrosPerUnit * 1'000'000;
  budgeted.period = gateway::BudgetPeriod::kMonth;
  const std::string with_budget = make("budget", budgeted);

  gateway::GatewayParams gp;
  gp.db = db->get();
  gp.hasher = hasher;
  gp.holder = "bench-" + suffix;
  Result<std::unique_ptr<gateway::Gateway>> g = gateway::Gateway::create(std::move(gp));
  if (!g.ok()) return 1;
  std::printf("gateway overhead per request (%s)\n", args.db.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite");
  run(**g, "no limits (ledger only)", plain, args);
  run(**g, "rpm + tpm", with_limits, args);
  run(**g, "rpm + tpm + budget", with_budget, args);
  g->reset();
  db->reset();
  if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
