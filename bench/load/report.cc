#include "report.h"

#include <cstdio>

namespace herd::load {
namespace {

constexpr size_t kMaxErrorSamples = 5;

nlohmann::json latency_json(const LatencySummary& s) {
  return {{"p50", s.p50}, {"p99", s.p99}, {"mean", s.mean}, {"samples", s.count}};
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

Report build_report(const std::vector<RoundResult>& rounds) {
  Report r;
  std::vector<double> ttft, itl, whole, prompt_tokens, cached_tokens;
  for (const auto& round : rounds) {
    long round_tokens = 0;
    for (const auto& res : round.results) {
      ++r.requests;
      if (!res.ok) {
        ++r.errors;
        if (r.first_errors.size() < kMaxErrorSamples) r.first_errors.push_back(res.error);
        continue;
      }
      round_tokens += res.tokens();
      if (res.ttft_ms >= 0) ttft.push_back(res.ttft_ms);
      whole.push_back(res.total_ms);
      itl.insert(itl.end(), res.gaps_ms.begin(), res.gaps_ms.end());
      if (res.prompt_tokens >= 0) prompt_tokens.push_back(res.prompt_tokens);
      if (res.cached_tokens >= 0) cached_tokens.push_back(res.cached_tokens);
    }
    r.generated_tokens += round_tokens;
    r.round_tokens_per_s.push_back(round.wall_s > 0 ? double(round_tokens) / round.wall_s : 0);
  }
  r.tokens_per_s = median(r.round_tokens_per_s);
  r.ttft_ms = summarize(ttft);
  r.request_ms = summarize(whole);
  r.itl_ms = summarize(itl);
  if (!prompt_tokens.empty()) r.prompt_tokens_mean = mean(prompt_tokens);
  if (!cached_tokens.empty()) r.cached_tokens_mean = mean(cached_tokens);
  return r;
}

nlohmann::json report_json(const RunInfo& info, const Report& report) {
  return {
      {"url", info.url},
      {"path", info.path},
      {"model", info.model},
      {"concurrency", info.concurrency},
      {"requests_per_round", info.requests_per_round},
      {"rounds", info.rounds},
      {"warmup", info.warmup},
      {"max_tokens", info.max_tokens},
      {"shared_prefix_tokens", info.prefix_tokens},
      {"suffix_tokens", info.suffix_tokens},
      {"unique_prefix", info.unique_prefix},
      {"prompt_sizes_measured", info.sizes_measured},
      {"tokens_per_second", {{"median", report.tokens_per_s}, {"rounds", report.round_tokens_per_s}}},
      {"generated_tokens", report.generated_tokens},
      {"requests", report.requests},
      {"errors", report.errors},
      {"error_samples", report.first_errors},
      {"ttft_ms", latency_json(report.ttft_ms)},
      {"request_ms", latency_json(report.request_ms)},
      {"itl_ms", latency_json(report.itl_ms)},
      {"prompt_tokens_mean", report.prompt_tokens_mean},
      {"cached_tokens_mean", report.cached_tokens_mean},
  };
}

void print_report(std::ostream& out, const RunInfo& info, const Report& report) {
  out << "server        " << info.url << info.path << "  model " << info.model << "\n"
      << "load          " << info.concurrency << " streams, " << info.requests_per_round
      << " requests x " << info.rounds << " rounds, max_tokens " << info.max_tokens;
  if (info.prefix_tokens > 0) {
    out << ", prefix ~" << info.prefix_tokens << (info.unique_prefix ? " (unique)" : " (shared)")
        << " + suffix ~" << info.suffix_tokens << " tokens"
        << (info.sizes_measured ? "" : " (estimated)");
  }
  out << "\n"
      << "requests      " << report.requests << " (errors " << report.errors << ")\n"
      << "gen tokens/s  " << fmt("%.1f", report.tokens_per_s) << " (median of rounds;";
  for (double tps : report.round_tokens_per_s) out << " " << fmt("%.1f", tps);
  out << ")\n"
      << "TTFT ms       p50 " << fmt("%.2f", report.ttft_ms.p50) << "  p99 "
      << fmt("%.2f", report.ttft_ms.p99) << "\n"
      << "ITL ms        p50 " << fmt("%.2f", report.itl_ms.p50) << "  p99 "
      << fmt("%.2f", report.itl_ms.p99) << "\n"
      << "request ms    p50 " << fmt("%.2f", report.request_ms.p50) << "  p99 "
      << fmt("%.2f", report.request_ms.p99) << "\n";
  if (report.prompt_tokens_mean >= 0) {
    out << "prompt tokens mean " << fmt("%.1f", report.prompt_tokens_mean);
    if (report.cached_tokens_mean >= 0) {
      out << ", cached mean " << fmt("%.1f", report.cached_tokens_mean);
    }
    out << "\n";
  }
  for (const auto& e : report.first_errors) out << "error: " << e << "\n";
}

}  // namespace herd::load
