// The engine's state, shared by engine.cc (threads, submit, stats) and engine_step.cc
// (one step of the loop). Fields marked [loop] are touched only by the loop thread;
// the rest only under mu.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <string>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "grammar/grammar_matcher.h"
#include "model/context.h"
#include "runtime/engine.h"
#include "runtime/scheduler.h"
#include "runtime/stop_matcher.h"
#include "sampling/sampler.h"
#include "tokenizer/streaming_decoder.h"

namespace herd {

struct Engine::Impl {
  // One choice of a request: a sequence of its own once it has started.
  struct Choice {
    Choice(const Tokenizer& tok, const GenerationRequest& req, int32_t index, bool at_text_start);
    int32_t index;
    SeqId seq = -1;  // -1: not started (choices past the first fork at their first token)
    Sampler sampler;
    StreamingDecoder decoder;
    StopMatcher stop;
    std::optional<grammar::GrammarMatcher> matcher;  // the request's grammar, this choice's state
    int32_t n_generated = 0;
    bool done = false;
  };
  struct Active {
    std::shared_ptr<RequestStream> stream;
    GenerationRequest req;
    std::vector<Choice> choices;
    bool forked = false;
    bool failed = false;  // RequestFailed is posted; it leaves with end_finished_requests()
    int32_t n_done = 0;
    int32_t completion_tokens = 0;
    int32_t cached_prompt_tokens = 0;
  };

  Impl(const Model& m, const Tokenizer& t, const EngineParams& p, std::unique_ptr<Context> c, int32_t ctx_len);

  // engine.cc
  void run();
  // engine_step.cc
  void admit(std::unique_ptr<Active> a);   // [loop]
  bool step();                             // [loop] false: nothing was scheduled
  void cancel_cancelled();                 // [loop]
  void fail_all(const Status& status);     // [loop]
  // Exception barrier: a throw fails the requests it can be pinned on (one request's
  // admission or sampling; every request in a batch the model threw on; otherwise
  // all), with an internal error whose text is for the log; one line goes to stderr
  // and the loop serves the others.
  void fail_request(Active& a, const Status& status);  // [loop] frees its blocks
  void fail_batch(const StepPlan& plan, const Status& status);  // [loop]
  Status logged_failure(const std::string& what);              // an internal error, logged
  Status caught(const char* where, const std::exception* e);   // the same for a throw
  void sample_choice(Active& a, int32_t index, std::span<const float> logits);  // [loop]
  void sample_guarded(SeqId seq, std::span<const float> logits);              // [loop]
  void on_sampled(SeqId seq, std::span<const float> logits);                 // [loop]
  void finish_choice(Active& a, Choice& c);  // [loop] frees its sequence
  void end_finished_requests();              // [loop]
  void publish_stats();                      // [loop] copies counters into stats
  // Events wait in the outbox until the step's stats are published, so a client that
  // sees an event (its first token, its end) sees the queue and the blocks as they are
  // after it: submit()'s queue limit and a finished client's view are exact.
  void post(const Active& a, RequestEvent event);  // [loop]
  void deliver();                                  // [loop] pushes the outbox, then
                                                   // counts ended requests out of n_in_flight

  const Model& model;
  const Tokenizer& tok;
  const EngineParams params;
  const int32_t n_ctx;
  std::unique_ptr<Context> ctx;  // [loop]
  Scheduler sched;               // [loop]

  mutable std::mutex mu;
  std::condition_variable wake;  // work arrived or stop
  std::condition_variable idle;  // nothing in flight (drain waits on it)
  std::deque<std::unique_ptr<Active>> incoming;
  int32_t n_in_flight = 0;  // submitted and not yet done
  bool stopping = false;
  bool draining = false;
  EngineStats stats;
  int32_t n_incoming_seqs = 0;  // choices of the requests in incoming

  std::list<std::unique_ptr<Active>> active;                        // [loop]
  std::unordered_map<SeqId, std::pair<Active*, int32_t>> by_seq;    // [loop]
  SeqId next_seq = 1;                                               // [loop]
  EngineStats counters;                                             // [loop]
  std::vector<std::pair<std::shared_ptr<RequestStream>, RequestEvent>> outbox;  // [loop]
  int32_t n_ended = 0;  // [loop] requests whose last event is in the outbox
  // Batch buffers, reused every step. [loop]
  std::vector<int32_t> batch_tokens, batch_positions, batch_seqs, batch_rows;
  std::vector<std::span<const int32_t>> batch_tables;

  std::thread thread;
};

}  // namespace herd
