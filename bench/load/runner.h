// Runs rounds of streaming requests: `concurrency` workers share a round's
// requests, each worker keeping one request in flight at a time.
#pragma once

#include <functional>
#include <vector>

#include "prompt_source.h"
#include "request_body.h"
#include "stream_request.h"

namespace herd::load {

struct RunConfig {
  StreamTarget target;
  BodyParams body;
  int concurrency = 1;
  int requests = 1;  // per round
};

struct RoundResult {
  double wall_s = 0;  // first send -> last stream closed
  std::vector<StreamResult> results;
};

// Called after each finished request with (finished, total); from worker threads,
// one call at a time.
using Progress = std::function<void(int done, int total)>;

// Request i of round r uses prompt key r * 1'000'000 + i.
RoundResult run_round(const RunConfig& config, const PromptSource& prompts, int round,
                      const Progress& progress);

// Sends `n` requests one after another (keys apart from the rounds' keys) and
// returns them, to warm caches before measuring.
std::vector<StreamResult> run_warmup(const RunConfig& config, const PromptSource& prompts, int n);

}  // namespace herd::load
