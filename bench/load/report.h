// Turns the rounds' raw results into the numbers a run prints: throughput,
// TTFT and inter-token latency percentiles, counts and errors.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "runner.h"
#include "stats.h"

namespace herd::load {

struct RunInfo {  // what was run, echoed in the report
  std::string url, path, model;
  int concurrency = 0, requests_per_round = 0, rounds = 0, max_tokens = 0, warmup = 0;
  int prefix_tokens = 0, suffix_tokens = 0;
  bool unique_prefix = false, sizes_measured = false;
};

struct Report {
  std::vector<double> round_tokens_per_s;  // generated tokens / round wall time
  double tokens_per_s = 0;                 // median over rounds
  long generated_tokens = 0;
  int requests = 0, errors = 0;
  LatencySummary ttft_ms, itl_ms;
  LatencySummary request_ms;  // send -> the whole stream read ([DONE])
  double prompt_tokens_mean = -1, cached_tokens_mean = -1;  // -1: server sent no usage
  std::vector<std::string> first_errors;                   // up to five
};

Report build_report(const std::vector<RoundResult>& rounds);
nlohmann::json report_json(const RunInfo& info, const Report& report);
void print_report(std::ostream& out, const RunInfo& info, const Report& report);

}  // namespace herd::load
