// The engine under threads and abuse (run it under ThreadSanitizer too): cancels
// before a request runs and racing with its last token, drain and destruction with
// requests in flight, preempted forks, multi-byte stop strings, end of generation on
// the first token, the edges of the context and of the queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "engine_fixture.h"
#include "runtime/engine.h"
#include "tokenizer/utf8.h"
#include "tokenizer/vocab.h"

namespace herd {
namespace {

using engine_test::collect;
using engine_test::EngineTest;
using engine_test::Outcome;
using namespace std::chrono_literals;

// A request that runs on this context lasts long enough (thousands of tokens) for a
// test to act while it runs; the test cancels it.
constexpr int32_t kLongContext = 8192;

bool all_finished(const Outcome& o) {
  return std::all_of(o.finish.begin(), o.finish.end(), [](const auto& f) { return f.has_value(); });
}

bool valid_utf8(std::string_view s) {
  while (!s.empty()) {
    const Utf8Scan c = utf8_scan(s);
    if (c.kind != Utf8Scan::kValid) return false;
    s.remove_prefix(c.length);
  }
  return true;
}

// The same vocabulary with `id` as its end-of-turn token, so a test can make the
// model's next token end the generation.
std::unique_ptr<Tokenizer> tokenizer_ending_at(const Tokenizer& tok, int32_t id) {
  const Vocab& v = tok.vocab();
  VocabParams p;
  p.model = std::string(v.model());
  p.pre = std::string(v.pre());
  for (int32_t i = 0; i < v.n_tokens(); ++i) {
    p.tokens.emplace_back(v.text(i));
    p.scores.push_back(v.score(i));
    p.types.push_back(v.type(i));
  }
  p.bos_id = v.bos_id();
  p.eos_id = v.eos_id();
  p.unk_id = v.unk_id();
  p.pad_id = v.pad_id();
  p.eot_id = id;
  p.add_bos = v.add_bos();
  p.add_eos = v.add_eos();
  p.add_space_prefix = v.add_space_prefix();
  Result<Vocab> vocab = Vocab::create(std::move(p));
  EXPECT_TRUE(vocab.ok()) << vocab.status().to_string();
  if (!vocab.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::create(std::move(vocab).value());
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? std::move(t).value() : nullptr;
}

// Cancelled before it ever ran (still queued behind a running request): it ends at
// once, every choice with kCancelled and no tokens.
TEST_F(EngineTest, ACancelBeforeTheRequestRunsEndsEveryChoice) {
  EngineParams p;
  p.n_parallel = 1;
  p.n_ctx = kLongContext;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest blocker = request("Once upon a time", -1);  // runs until cancelled
  blocker.ignore_eos = true;
  std::shared_ptr<RequestStream> running = *e->submit(blocker);
  GenerationRequest r = request("The little dog", 20);
  r.n = 3;
  std::shared_ptr<RequestStream> queued = *e->submit(r);
  queued->cancel();
  const Outcome o = collect(*queued, 3);
  ASSERT_TRUE(o.done);
  for (int32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(o.finish[static_cast<size_t>(i)], FinishReason::kCancelled) << i;
    EXPECT_TRUE(o.tokens[static_cast<size_t>(i)].empty()) << i;
  }
  EXPECT_EQ(o.usage.completion_tokens, 0);
  EXPECT_FALSE(queued->next(0ms).has_value()) << "nothing after RequestDone";

  running->cancel();
  const Outcome b = collect(*running, 1);
  ASSERT_TRUE(b.done);
  EXPECT_EQ(b.finish[0], FinishReason::kCancelled);
  EXPECT_LT(b.tokens[0].size(), static_cast<size_t>(kLongContext));
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
  EXPECT_EQ(e->stats().n_waiting, 0);
}

// Cancels that land before, on and after a request's last token: each choice finishes
// exactly once (collect() fails on a delta after the finish) and the stream ends once.
TEST_F(EngineTest, CancelRacingWithTheLastTokenEndsEachChoiceOnce) {
  std::unique_ptr<Engine> e = engine();
  for (int i = 0; i < 24; ++i) {
    GenerationRequest r = request(i % 2 ? "The little dog" : "Once upon a time", 1 + i % 3, 0.7f, 3 + static_cast<uint64_t>(i));
    r.n = 1 + i % 2;
    r.ignore_eos = true;
    std::shared_ptr<RequestStream> s = *e->submit(r);
    const int cancel_after = i % 4;  // 0: at once; else after that many deltas (maybe the last)
    if (cancel_after == 0) s->cancel();
    int deltas = 0;
    const Outcome o = collect(*s, r.n, [&](const ChoiceDelta&) {
      if (++deltas == cancel_after) s->cancel();
    });
    ASSERT_TRUE(o.done) << i;
    EXPECT_TRUE(all_finished(o)) << i;
    int32_t generated = 0;
    for (int32_t c = 0; c < r.n; ++c) {
      const auto& f = o.finish[static_cast<size_t>(c)];
      EXPECT_TRUE(f == FinishReason::kLength || f == FinishReason::kCancelled) << i;
      EXPECT_LE(o.tokens[static_cast<size_t>(c)].size(), static_cast<size_t>(r.max_tokens)) << i;
      if (f == FinishReason::kLength) { EXPECT_EQ(o.tokens[static_cast<size_t>(c)].size(), static_cast<size_t>(r.max_tokens)); }
      generated += static_cast<int32_t>(o.tokens[static_cast<size_t>(c)].size());
    }
    EXPECT_EQ(o.usage.completion_tokens, generated) << i;
    EXPECT_FALSE(s->next(0ms).has_value()) << i;
    s->cancel();  // after the end: harmless
  }
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
  EXPECT_EQ(e->stats().n_running, 0);
}

TEST_F(EngineTest, DrainWaitsForQueuedRequestsToo) {
  EngineParams p;
  p.n_parallel = 1;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time", 12);
  r.ignore_eos = true;
  std::vector<std::shared_ptr<RequestStream>> streams;
  for (int i = 0; i < 4; ++i) streams.push_back(*e->submit(r));
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    e->drain();
    drained = true;
  });
  for (auto& s : streams) {
    const Outcome o = collect(*s, 1);
    ASSERT_TRUE(o.done);
    EXPECT_EQ(o.tokens[0].size(), 12u);
    EXPECT_EQ(o.finish[0], FinishReason::kLength);
  }
  drainer.join();
  EXPECT_TRUE(drained);
  EXPECT_EQ(e->submit(r).status().code(), StatusCode::kUnavailable);
  e->drain();  // nothing in flight: returns at once
  const EngineStats st = e->stats();
  EXPECT_EQ(st.n_waiting, 0);
  EXPECT_EQ(st.kv_blocks_used, 0);
}

// Destroying the engine with requests running, waiting in the scheduler and still in
// the queue: every stream ends (RequestDone or RequestFailed), none hangs, and the
// streams outlive the engine.
TEST_F(EngineTest, DestroyingTheEngineEndsEveryStream) {
  for (int round = 0; round < 3; ++round) {
    EngineParams p;
    p.n_parallel = 2;
    std::unique_ptr<Engine> e = engine(p);
    GenerationRequest r = request("Once upon a time", 400);
    r.ignore_eos = true;
    r.n = 2;
    std::vector<std::shared_ptr<RequestStream>> streams;
    for (int i = 0; i < 5; ++i) streams.push_back(*e->submit(r));
    if (round == 1) { ASSERT_TRUE(streams[0]->next(30s).has_value()); }  // one is surely running
    if (round == 2) streams[3]->cancel();
    e.reset();
    for (auto& s : streams) {
      const Outcome o = collect(*s, 2);
      EXPECT_TRUE(o.done || o.failed.has_value()) << "round " << round;
      if (o.failed) { EXPECT_EQ(o.failed->code(), StatusCode::kUnavailable); }
      EXPECT_FALSE(s->next(0ms).has_value());
    }
  }
}

// A tiny pool and n = 4: right after the fork the children must copy the prompt's
// shared last block, there is no room, and the newest is preempted before its first
// token is evaluated. Every choice still equals the same choice run alone.
TEST_F(EngineTest, AForkPreemptedBeforeItsFirstTokenGivesTheSameTokens) {
  GenerationRequest r = request("Once upon a time", 0, 0.9f, 11);
  r.max_tokens = 32 - static_cast<int32_t>(r.prompt.size());
  r.ignore_eos = true;
  r.n = 4;
  std::unique_ptr<Engine> alone = engine();
  std::vector<std::vector<int32_t>> want;
  for (int32_t i = 0; i < r.n; ++i) {
    GenerationRequest one = r;
    one.n = 1;
    one.sampling.seed = r.sampling.seed + static_cast<uint64_t>(i);
    want.push_back(run(*alone, one).tokens[0]);
  }
  EngineParams p;
  p.n_parallel = 4;
  p.n_ctx = 32;
  p.kv_size = 48;  // three blocks of 16: one sequence of 32 and a spare
  std::unique_ptr<Engine> tight = engine(p);
  const Outcome o = run(*tight, r);
  ASSERT_TRUE(o.done);
  for (int32_t i = 0; i < r.n; ++i) EXPECT_EQ(o.tokens[static_cast<size_t>(i)], want[static_cast<size_t>(i)]) << "choice " << i;
  EXPECT_GT(tight->stats().n_preemptions, 0);
  EXPECT_EQ(tight->stats().kv_blocks_used, 0);
  EXPECT_EQ(o.usage.completion_tokens, 4 * r.max_tokens);
}

// Stop strings over text with multi-byte characters: a cut never splits a character,
// a stop string that starts like the text but never matches holds nothing back for
// good, and a stop string of broken UTF-8 is refused.
TEST_F(EngineTest, StopStringsWorkOnMultiByteText) {
  std::unique_ptr<Engine> e = engine();
  GenerationRequest r;
  Outcome full;
  size_t at = std::string::npos;
  for (uint64_t seed = 1; seed < 8 && at == std::string::npos; ++seed) {
    r = request("Lily said, \xe2\x80\x9c", 80, 1.2f, seed);  // an opening curly quote
    r.ignore_eos = true;
    full = run(*e, r);
    at = static_cast<size_t>(std::find_if(full.text[0].begin(), full.text[0].end(),
                                          [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) -
                             full.text[0].begin());
    if (at == full.text[0].size()) at = std::string::npos;
  }
  ASSERT_NE(at, std::string::npos) << "the model wrote no multi-byte character in 7 seeded runs";
  const std::string& text = full.text[0];
  ASSERT_TRUE(valid_utf8(text));
  const size_t len = utf8_scan(std::string_view(text).substr(at)).length;
  const auto check_deltas = [](const ChoiceDelta& d) { EXPECT_TRUE(valid_utf8(d.text)) << d.text; };

  // The character and what follows it.
  GenerationRequest cut = r;
  const std::string stop = text.substr(at, len + 2);
  cut.stop = {stop};
  std::shared_ptr<RequestStream> s = *e->submit(cut);
  Outcome o = collect(*s, 1, check_deltas);
  EXPECT_EQ(o.text[0], text.substr(0, text.find(stop)));
  EXPECT_EQ(o.finish[0], FinishReason::kStop);

  // Only the character's first bytes plus more: never matches; nothing is lost.
  GenerationRequest held = r;
  held.stop = {text.substr(at, len) + "\x01zq", "\xe2\x80\x9czzzq"};
  ASSERT_EQ(text.find(held.stop[0]), std::string::npos);
  s = *e->submit(held);
  o = collect(*s, 1, check_deltas);
  EXPECT_EQ(o.text[0], text);
  EXPECT_EQ(o.finish[0], FinishReason::kLength);

  GenerationRequest broken = r;
  broken.stop = {text.substr(at, 1)};  // a lead byte alone
  EXPECT_EQ(e->submit(broken).status().code(), StatusCode::kInvalidArgument);
  broken.stop = {"\x80"};
  EXPECT_EQ(e->submit(broken).status().code(), StatusCode::kInvalidArgument);
  broken.stop = {std::string(1025, 'a')};  // every token re-checks it: bounded
  EXPECT_EQ(e->submit(broken).status().code(), StatusCode::kInvalidArgument);
  broken.stop = {std::string(1024, 'a')};
  EXPECT_TRUE(e->submit(broken).ok());
}

TEST_F(EngineTest, MaxTokensBoundsEveryChoice) {
  std::unique_ptr<Engine> e = engine();
  for (int32_t max_tokens : {1, 5}) {
    GenerationRequest r = request("The cat", max_tokens, 0.9f, 21);
    r.n = 3;
    r.ignore_eos = true;
    const Outcome o = run(*e, r);
    ASSERT_TRUE(o.done);
    for (int32_t i = 0; i < 3; ++i) {
      EXPECT_EQ(o.tokens[static_cast<size_t>(i)].size(), static_cast<size_t>(max_tokens)) << i;
      EXPECT_EQ(o.finish[static_cast<size_t>(i)], FinishReason::kLength) << i;
    }
    EXPECT_EQ(o.usage.completion_tokens, 3 * max_tokens);
  }
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

// The model's very first token ends the generation: every choice finishes with kStop
// and no text. ignore_eos keeps going and shows that token.
TEST_F(EngineTest, EndOfGenerationOnTheFirstTokenAndIgnoreEos) {
  std::unique_ptr<Engine> plain = engine();
  GenerationRequest r = request("Once upon a time", 6);
  const Outcome first = run(*plain, r);
  ASSERT_FALSE(first.tokens[0].empty());
  const int32_t next = first.tokens[0][0];  // greedy: the same every time
  std::unique_ptr<Tokenizer> ending = tokenizer_ending_at(*tok_, next);
  ASSERT_NE(ending, nullptr);
  ASSERT_TRUE(ending->is_end_of_generation(next));
  std::unique_ptr<Engine> e = engine({}, ending.get());

  r.n = 2;
  const Outcome o = run(*e, r);
  ASSERT_TRUE(o.done);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(o.tokens[i].empty()) << i;
    EXPECT_EQ(o.text[i], "") << i;
    EXPECT_EQ(o.finish[i], FinishReason::kStop) << i;
  }
  EXPECT_EQ(o.usage.completion_tokens, 2);  // the end token was generated, as peers count it

  r.ignore_eos = true;
  const Outcome kept = run(*e, r);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(kept.tokens[i].size(), 6u) << i;
    EXPECT_EQ(kept.tokens[i][0], next) << i;
    EXPECT_EQ(kept.finish[i], FinishReason::kLength) << i;
  }
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

// n_ctx - 1 prompt tokens (two full KV blocks): exactly one token fits, for every
// choice, also when the prompt comes from the prefix cache the second time.
TEST_F(EngineTest, APromptOfContextMinusOneGetsOneToken) {
  EngineParams p;
  p.n_ctx = 33;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time there was a little girl named Lily. She loved to play outside "
                                "in the park with her friends and her dog.", -1);
  ASSERT_GE(r.prompt.size(), 32u);
  r.prompt.resize(32);
  r.n = 2;
  r.ignore_eos = true;
  for (int pass = 0; pass < 2; ++pass) {
    const Outcome o = run(*e, r);
    ASSERT_TRUE(o.done);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(o.tokens[i].size(), 1u) << pass;
      EXPECT_EQ(o.finish[i], FinishReason::kLength) << pass;
    }
    if (pass == 1) { EXPECT_EQ(o.usage.cached_prompt_tokens, 16); }  // the last block is always evaluated
  }
  r.max_tokens = 1;
  EXPECT_TRUE(run(*e, r).done);
  r.max_tokens = 2;
  EXPECT_EQ(e->submit(r).status().code(), StatusCode::kInvalidArgument);
  r.prompt.push_back(r.prompt.back());  // n_ctx tokens: no room at all
  r.max_tokens = -1;
  EXPECT_EQ(e->submit(r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
}

// With one request running, exactly max_queue more may wait; a cancelled one makes
// room again. A queue of 0 would refuse everything, so the engine refuses it.
TEST_F(EngineTest, TheQueueLimitCountsWaitingRequests) {
  EngineParams p;
  p.n_parallel = 1;
  p.max_queue = 2;
  p.n_ctx = kLongContext;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time", -1);  // runs until cancelled
  r.ignore_eos = true;
  std::shared_ptr<RequestStream> running = *e->submit(r);
  ASSERT_TRUE(running->next(30s).has_value());  // it runs: the queue is empty
  std::vector<std::shared_ptr<RequestStream>> waiting;
  for (int i = 0; i < 2; ++i) {
    Result<std::shared_ptr<RequestStream>> s = e->submit(r);
    ASSERT_TRUE(s.ok()) << i << ": " << s.status().to_string();
    waiting.push_back(*s);
  }
  EXPECT_EQ(e->submit(r).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(e->stats().n_waiting, 2);
  waiting[0]->cancel();
  EXPECT_TRUE(collect(*waiting[0], 1).done);
  Result<std::shared_ptr<RequestStream>> again = e->submit(r);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  waiting[0] = *again;
  for (auto* s : {&running, &waiting[0], &waiting[1]}) (*s)->cancel();
  for (auto* s : {&running, &waiting[0], &waiting[1]}) EXPECT_TRUE(collect(**s, 1).done);

  p.max_queue = 0;
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kInvalidArgument);
}

// Many client threads submit, read, cancel and poll stats at once (run it under
// ThreadSanitizer); greedy requests that ran to the end equal the one run alone.
TEST_F(EngineTest, ManyClientThreadsAtOnce) {
  EngineParams p;
  p.n_parallel = 4;
  p.max_queue = 64;
  std::unique_ptr<Engine> e = engine(p);
  GenerationRequest r = request("Once upon a time", 10);
  r.ignore_eos = true;
  const Outcome want = run(*e, r);
  std::atomic<bool> stop_polling{false};
  std::thread poller([&] {
    while (!stop_polling) {
      const EngineStats st = e->stats();
      EXPECT_LE(st.kv_blocks_used, st.kv_blocks_total);
      EXPECT_GE(st.n_waiting, 0);
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        GenerationRequest mine = r;
        mine.n = 1 + (t + i) % 2;
        std::shared_ptr<RequestStream> s = *e->submit(mine);
        const bool cancel = (t + i) % 3 == 0;
        const Outcome o = collect(*s, mine.n, [&](const ChoiceDelta&) {
          if (cancel) s->cancel();
        });
        EXPECT_TRUE(o.done);
        EXPECT_TRUE(all_finished(o));
        if (cancel) continue;
        for (int32_t c = 0; c < mine.n; ++c) EXPECT_EQ(o.tokens[static_cast<size_t>(c)], want.tokens[0]);
      }
    });
  }
  for (auto& c : clients) c.join();
  stop_polling = true;
  poller.join();
  e->drain();
  EXPECT_EQ(e->stats().kv_blocks_used, 0);
  EXPECT_EQ(e->stats().n_running, 0);
}

// Two engines on one model generate at the same time (the weights are shared and
// read-only): each gives what it gives alone.
TEST_F(EngineTest, TwoEnginesShareOneModel) {
  GenerationRequest r = request("The little dog", 40, 0.8f, 5);
  r.ignore_eos = true;
  std::unique_ptr<Engine> a = engine();
  const Outcome want = run(*a, r);
  std::unique_ptr<Engine> b = engine();
  std::shared_ptr<RequestStream> sa = *a->submit(r);
  std::shared_ptr<RequestStream> sb = *b->submit(r);
  Outcome ob;
  std::thread reader([&] { ob = collect(*sb, 1); });
  const Outcome oa = collect(*sa, 1);
  reader.join();
  EXPECT_EQ(oa.tokens[0], want.tokens[0]);
  EXPECT_EQ(ob.tokens[0], want.tokens[0]);
}

// Sizes a user can ask for that do not fit are refused before anything is allocated.
TEST_F(EngineTest, ImpossibleSizesAreRefused) {
  EngineParams p;
  p.n_parallel = 1024;
  p.n_ctx = 1 << 22;  // 2^32 positions wanted: the pool is capped by the memory budget ...
  p.kv_memory_bytes = 1 << 20;  // ... which cannot hold even one sequence
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kInvalidArgument);
  p = {};
  p.kv_size = INT32_MAX;  // positions past the scheduler's int32 once rounded up to blocks
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kResourceExhausted);
  p = {};
  p.n_ctx = 1;
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kInvalidArgument);
  p = {};
  p.kv_block_size = 12;
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kInvalidArgument);
  p = {};
  p.n_ctx = 64;
  p.kv_size = 64;  // no spare block
  EXPECT_EQ(Engine::create(*model_, *tok_, p).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herd
