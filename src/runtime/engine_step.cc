// One step of the engine loop: schedule, copy blocks, evaluate the batch, sample a
// token for every sequence that reached its last known token, report, clean up.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <unordered_set>

#include "runtime/engine_impl.h"
#include "runtime/token_logprobs.h"

namespace herd {

Status Engine::Impl::logged_failure(const std::string& what) {
  std::fprintf(stderr, "herd: engine: %s; failing the requests involved\n", what.c_str());
  return internal_error(what);
}

Status Engine::Impl::caught(const char* where, const std::exception* e) {
  return logged_failure(std::string(where) + " threw " + (e ? e->what() : "a non-standard exception"));
}

void Engine::Impl::admit(std::unique_ptr<Active> owned) {
  active.push_back(std::move(owned));
  Active& a = *active.back();
  try {
    a.choices.reserve(static_cast<size_t>(a.req.n));
    // A prompt of only control tokens (BOS) starts the text: SPM drops the leading space.
    const bool at_text_start = tok.decode(a.req.prompt).empty();
    for (int32_t i = 0; i < a.req.n; ++i) a.choices.emplace_back(tok, a.req, i, at_text_start);
    Choice& first = a.choices[0];
    first.seq = next_seq++;
    // The request's choices form one scheduler group: they share its fairness.
    sched.add(first.seq, a.req.prompt, /*group=*/first.seq);
    by_seq[first.seq] = {&a, 0};
  } catch (const std::exception& e) {
    fail_request(a, caught("admitting a request", &e));
  } catch (...) {
    fail_request(a, caught("admitting a request", nullptr));
  }
}

void Engine::Impl::fail_request(Active& a, const Status& status) {
  if (a.failed) return;
  for (Choice& c : a.choices) finish_choice(a, c);
  a.failed = true;
  post(a, RequestFailed{status});
}

void Engine::Impl::fail_batch(const StepPlan& plan, const Status& status) {
  std::unordered_set<Active*> hit;
  for (const ScheduledChunk& ch : plan.chunks) {
    auto it = by_seq.find(ch.seq);
    if (it != by_seq.end()) hit.insert(it->second.first);
  }
  // Every sequence of the plan is finished now, so the scheduler drops the plan.
  for (Active* a : hit) fail_request(*a, status);
}

void Engine::Impl::finish_choice(Active& a, Choice& c) {
  if (c.done) return;
  c.done = true;
  ++a.n_done;
  if (c.seq >= 0) {
    sched.finish(c.seq);
    by_seq.erase(c.seq);
  }
}

void Engine::Impl::cancel_cancelled() {
  for (auto& a : active) {
    if (!a->stream->cancelled() || a->n_done == a->req.n) continue;
    for (Choice& c : a->choices) {
      if (c.done) continue;
      finish_choice(*a, c);
      // Every choice ends with a finish reason, also one cut short; text held back
      // for a possible stop string is dropped: nobody is reading any more.
      ChoiceDelta d;
      d.index = c.index;
      d.finish = FinishReason::kCancelled;
      post(*a, std::move(d));
    }
  }
}

void Engine::Impl::fail_all(const Status& status) {
  for (auto& a : active) fail_request(*a, status);
  n_ended += static_cast<int32_t>(active.size());
  active.clear();
}

bool Engine::Impl::step() {
  const StepPlan plan = sched.schedule();
  counters.n_preemptions += static_cast<int64_t>(plan.preempted.size());
  if (plan.chunks.empty()) return false;
  for (const BlockCopy& c : plan.copies) ctx->kv().copy_block(c.src, c.dst);

  batch_tokens.clear();
  batch_positions.clear();
  batch_seqs.clear();
  batch_rows.clear();
  batch_tables.clear();
  for (const ScheduledChunk& ch : plan.chunks) {
    const std::span<const int32_t> toks = sched.tokens(ch.seq);
    const int32_t n_prompt = sched.n_prompt(ch.seq);
    for (int32_t p = ch.pos0; p < ch.pos0 + ch.n_tokens; ++p) {
      batch_tokens.push_back(toks[static_cast<size_t>(p)]);
      batch_positions.push_back(p);
      batch_seqs.push_back(static_cast<int32_t>(batch_tables.size()));
      if (p < n_prompt) ++counters.prompt_tokens_total;
    }
    if (ch.sample) batch_rows.push_back(static_cast<int32_t>(batch_tokens.size()) - 1);
    batch_tables.push_back(sched.block_table(ch.seq));
  }
  const BatchInput batch{batch_tokens, batch_positions, batch_seqs, batch_tables, batch_rows};
  Status st;
  try {
    if (params.faults.before_eval) params.faults.before_eval();
    st = ctx->eval_batch(batch);
    // The scheduler built a batch the model refused: our bug.
    if (!st.ok()) st = logged_failure("evaluating a batch: " + st.message());
  } catch (const std::exception& e) {
    st = caught("evaluating a batch", &e);
  } catch (...) {
    st = caught("evaluating a batch", nullptr);
  }
  ++counters.steps_total;
  if (!st.ok()) {
    fail_batch(plan, st);
    return true;
  }
  sched.complete(plan);
  int64_t row = 0;
  for (const ScheduledChunk& ch : plan.chunks) {
    if (ch.sample) sample_guarded(ch.seq, ctx->logits(row++));
  }
  return true;
}

void Engine::Impl::sample_guarded(SeqId seq, std::span<const float> logits) {
  auto it = by_seq.find(seq);
  if (it == by_seq.end()) return;  // finished meanwhile
  Active& a = *it->second.first;   // stays alive until end_finished_requests()
  try {
    on_sampled(seq, logits);
  } catch (const std::exception& e) {
    fail_request(a, caught("sampling", &e));
  } catch (...) {
    fail_request(a, caught("sampling", nullptr));
  }
}

void Engine::Impl::on_sampled(SeqId seq, std::span<const float> logits) {
  auto it = by_seq.find(seq);
  if (it == by_seq.end()) return;  // finished meanwhile
  Active& a = *it->second.first;
  const int32_t index = it->second.second;
  if (index == 0 && !a.forked) {
    // The prompt is evaluated: the other choices start here, sharing its blocks.
    a.forked = true;
    a.cached_prompt_tokens = sched.n_cached_prompt(seq);
    counters.cached_tokens_total += a.cached_prompt_tokens;
    for (int32_t i = 1; i < a.req.n; ++i) {
      Choice& c = a.choices[static_cast<size_t>(i)];
      c.seq = next_seq++;
      sched.fork(seq, c.seq);
      by_seq[c.seq] = {&a, i};
    }
    for (int32_t i = 0; i < a.req.n; ++i) sample_choice(a, i, logits);
    return;
  }
  sample_choice(a, index, logits);
}

void Engine::Impl::sample_choice(Active& a, int32_t index, std::span<const float> logits) {
  Choice& c = a.choices[static_cast<size_t>(index)];
  if (c.done) return;
  if (params.faults.before_sample) params.faults.before_sample(a.req);
  std::span<const uint64_t> allowed;
  if (c.matcher) allowed = c.matcher->allowed_tokens().words;
  const int32_t token = c.sampler.sample(logits, allowed);
  if (c.matcher && !c.matcher->accept_token(token)) {
    // The mask allowed it, so the matcher must take it: our bug, this request's alone.
    fail_request(a, logged_failure("the grammar refused token " + std::to_string(token) + " it allowed"));
    return;
  }
  c.sampler.accept(token);
  ++c.n_generated;
  ++a.completion_tokens;
  ++counters.generated_tokens_total;

  ChoiceDelta d;
  d.index = index;
  // A grammar that took an end token is complete: the choice ends even with ignore_eos.
  const bool eog = (!a.req.ignore_eos && tok.is_end_of_generation(token)) || (c.matcher && c.matcher->is_ended());
  if (!eog) {
    d.tokens.push_back(token);
    if (a.req.top_logprobs >= 0) d.logprobs.push_back(token_logprobs(logits, token, a.req.top_logprobs));
    d.text = c.stop.push(c.decoder.push(token));
  }
  std::optional<FinishReason> finish;
  if (eog || c.stop.stopped()) {
    finish = FinishReason::kStop;
  } else if (a.req.max_tokens > 0 && c.n_generated >= a.req.max_tokens) {
    finish = FinishReason::kLength;
  } else if (static_cast<int64_t>(sched.tokens(c.seq).size()) + 1 >= n_ctx) {
    finish = FinishReason::kLength;  // prompt + generated fill the context
  }
  if (finish) {
    if (!c.stop.stopped()) {
      d.text += c.stop.push(c.decoder.finish());
      if (!c.stop.stopped()) d.text += c.stop.flush();
    }
    d.finish = finish;
    finish_choice(a, c);
  } else {
    sched.append_token(c.seq, token);
  }
  post(a, std::move(d));
}

void Engine::Impl::end_finished_requests() {
  for (auto it = active.begin(); it != active.end();) {
    Active& a = **it;
    if (a.failed) {  // its RequestFailed is posted
      it = active.erase(it);
      ++n_ended;
      continue;
    }
    if (a.n_done < a.req.n) {
      ++it;
      continue;
    }
    Usage u;
    u.prompt_tokens = static_cast<int32_t>(a.req.prompt.size());
    u.completion_tokens = a.completion_tokens;
    u.cached_prompt_tokens = a.cached_prompt_tokens;
    post(a, RequestDone{u});
    it = active.erase(it);
    ++n_ended;
  }
}

void Engine::Impl::post(const Active& a, RequestEvent event) { outbox.emplace_back(a.stream, std::move(event)); }

void Engine::Impl::deliver() {
  for (auto& [stream, event] : outbox) stream->push(std::move(event));
  outbox.clear();
  if (n_ended == 0) return;
  std::lock_guard<std::mutex> lock(mu);
  n_in_flight -= n_ended;
  n_ended = 0;
  if (n_in_flight == 0) idle.notify_all();
}

void Engine::Impl::publish_stats() {
  const BlockAllocator& b = sched.blocks();
  std::lock_guard<std::mutex> lock(mu);
  stats = counters;
  // Queue depth in sequences: the scheduler's, and the choices that start once their
  // request's prompt is in.
  stats.n_waiting = sched.n_waiting();
  for (const auto& a : active) {
    if (!a->forked && !a->failed) stats.n_waiting += a->req.n - 1;
  }
  stats.n_running = sched.n_running();
  stats.kv_blocks_total = b.n_total();
  stats.kv_blocks_used = b.n_used();
  stats.kv_blocks_cached = b.n_cached();
  const KvCache& kv = ctx->kv();
  stats.kv_cache_bytes = kv.bytes_per_block() * static_cast<uint64_t>(b.n_grown());
  stats.kv_cache_capacity_bytes = kv.capacity_bytes();
  stats.kv_type_k = kv_type_name(kv.type_k());
  stats.kv_type_v = kv_type_name(kv.type_v());
}

}  // namespace herd
