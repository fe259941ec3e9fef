#include "runtime/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <unordered_map>

namespace herd {
namespace {

// Only for broken contracts inside the engine (see the header); never for user input.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "herd: scheduler: %s\n", what.c_str());
  std::abort();
}

}  // namespace

struct Scheduler::Impl {
  struct Seq {
    SeqId id = 0;
    GroupId group = 0;
    uint64_t arrival = 0;  // order of add()/fork(): smaller is older
    std::vector<int32_t> tokens;
    int32_t n_prompt = 0;
    int32_t n_computed = 0;   // leading positions whose KV is in the table's blocks
    int32_t n_published = 0;  // leading table blocks known to be in the prefix cache
    int32_t n_cached_prompt = 0;
    // The length at which the engine last got logits to sample from: a sequence
    // recomputed after preemption before its token was appended must not sample twice.
    int32_t sampled_at = 0;
    std::vector<int32_t> table;
    bool running = false;
    bool admitted = false;  // ever ran: waiting again means preempted
    uint64_t planned_step = 0;  // the step that last gave it a chunk
  };

  // What one schedule() call is building.
  struct Step {
    StepPlan plan;
    std::vector<SeqId> copy_owner;  // parallel to plan.copies
    int32_t budget = 0;
    bool preempted_any = false;
  };

  explicit Impl(const SchedulerParams& p)
      : params(p), alloc(BlockAllocatorParams{.n_blocks = p.n_blocks, .block_size = p.block_size}) {}

  Seq& get(SeqId id) {
    auto it = seqs.find(id);
    if (it == seqs.end()) fail("unknown sequence " + std::to_string(id));
    return it->second;
  }
  const Seq& get(SeqId id) const { return const_cast<Impl*>(this)->get(id); }

  int32_t max_tokens() const { return params.n_blocks * params.block_size; }

  std::span<const int32_t> block_tokens(const Seq& s, size_t i) const {
    return std::span<const int32_t>(s.tokens).subspan(i * params.block_size, params.block_size);
  }

  // Tail first, so a chain's later blocks become evictable before its earlier ones
  // (an evicted parent makes its cached children unreachable anyway).
  void release_table(Seq& s) {
    for (auto it = s.table.rbegin(); it != s.table.rend(); ++it) alloc.release(*it);
    s.table.clear();
    s.n_computed = 0;
    s.n_published = 0;
  }

  void insert_running(SeqId id) {
    const uint64_t arrival = seqs.at(id).arrival;
    auto pos = std::find_if(running.begin(), running.end(),
                            [&](SeqId r) { return seqs.at(r).arrival > arrival; });
    running.insert(pos, id);
    ++group_running[seqs.at(id).group];
  }

  void erase_running(const Seq& s) {
    running.erase(std::find(running.begin(), running.end(), s.id));
    auto it = group_running.find(s.group);
    if (--it->second == 0) group_running.erase(it);
  }

  int32_t running_in(GroupId g) const {
    auto it = group_running.find(g);
    return it == group_running.end() ? 0 : it->second;
  }

  // The newest sequence of the group running the most (ties: the group whose newest
  // sequence is newest); with one sequence per group, simply the newest.
  Seq& fairness_victim() {
    int32_t most = 0;
    for (const auto& [g, n] : group_running) most = std::max(most, n);
    for (auto it = running.rbegin(); it != running.rend(); ++it) {
      Seq& s = seqs.at(*it);
      if (running_in(s.group) == most) return s;
    }
    fail("no running sequence to preempt");
  }

  // A sequence another group may take a slot from: only from a group running at
  // least two more than `have`, so moving one slot narrows the gap (no ping-pong).
  Seq* fair_claim(int32_t have) {
    if (running.empty()) return nullptr;
    Seq& v = fairness_victim();
    return running_in(v.group) >= have + 2 ? &v : nullptr;
  }

  // The waiting sequence to admit next: the first in queue order of the groups that
  // run the fewest sequences.
  std::deque<SeqId>::iterator fairest_waiting() {
    auto best = waiting.begin();
    int32_t best_n = running_in(seqs.at(*best).group);
    for (auto it = std::next(best); it != waiting.end() && best_n > 0; ++it) {
      const int32_t n = running_in(seqs.at(*it).group);
      if (n < best_n) {
        best = it;
        best_n = n;
      }
    }
    return best;
  }

  // Behind preempted sequences that arrived earlier, ahead of everything else.
  void enqueue_resumable(const Seq& s) {
    auto pos = std::find_if(waiting.begin(), waiting.end(), [&](SeqId w) {
      const Seq& ws = seqs.at(w);
      return !ws.admitted || ws.arrival > s.arrival;
    });
    waiting.insert(pos, s.id);
  }

  // Back to the waiting queue, behind preempted sequences that arrived earlier and
  // ahead of everything else, to be recomputed when it is admitted again.
  void preempt(Seq& victim, Step& st) {
    erase_running(victim);
    victim.running = false;
    auto& chunks = st.plan.chunks;
    for (auto it = chunks.begin(); it != chunks.end();) {
      if (it->seq == victim.id) {
        st.budget += it->n_tokens;
        it = chunks.erase(it);
      } else {
        ++it;
      }
    }
    for (size_t i = 0; i < st.copy_owner.size();) {
      if (st.copy_owner[i] == victim.id) {
        st.copy_owner.erase(st.copy_owner.begin() + static_cast<std::ptrdiff_t>(i));
        st.plan.copies.erase(st.plan.copies.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    release_table(victim);
    enqueue_resumable(victim);
    st.plan.preempted.push_back(victim.id);
    st.preempted_any = true;
    ++n_preemptions;
  }

  // Preempts the newest sequence of the group running the most to free blocks for
  // `requester`. False when that was the requester itself.
  bool preempt_for(Seq& requester, Step& st) {
    Seq& victim = fairness_victim();
    if (&victim == &requester && running.size() == 1) {
      fail("sequence " + std::to_string(requester.id) + " needs more KV blocks than the pool has");
    }
    preempt(victim, st);
    return &victim != &requester;
  }

  int32_t allocate_free() {
    const int32_t block = alloc.allocate();
    if (block == kNoBlock) fail("no block although one was counted free");
    return block;
  }

  // Backs up to `want` positions from n_computed on with writable blocks: copies a
  // shared block first (copy-on-write), then adds blocks. Takes fewer tokens rather
  // than preempting anyone once it has room for at least one. Returns the tokens it
  // has room for; 0 when the sequence itself was preempted.
  int32_t grant(Seq& s, int32_t want, Step& st) {
    const int32_t bs = params.block_size;
    const size_t first = static_cast<size_t>(s.n_computed / bs);
    // Preempting may take the block's other holders with it: then no copy is needed.
    while (first < s.table.size() && alloc.ref_count(s.table[first]) > 1) {
      if (alloc.n_free() == 0) {
        if (!preempt_for(s, st)) return 0;
        continue;
      }
      const int32_t fresh = allocate_free();
      st.plan.copies.push_back(BlockCopy{.src = s.table[first], .dst = fresh});
      st.copy_owner.push_back(s.id);
      alloc.release(s.table[first]);
      s.table[first] = fresh;
    }
    int32_t room = static_cast<int32_t>(s.table.size()) * bs - s.n_computed;
    while (room < want) {
      if (alloc.n_free() == 0) {
        if (room > 0) break;
        if (!preempt_for(s, st)) return 0;
        continue;
      }
      s.table.push_back(allocate_free());
      room += bs;
    }
    return std::min(want, room);
  }

  void add_chunk(Seq& s, int32_t n_tokens, Step& st) {
    const int32_t end = s.n_computed + n_tokens;
    const bool sample = end == static_cast<int32_t>(s.tokens.size()) && end > s.sampled_at;
    st.plan.chunks.push_back(ScheduledChunk{.seq = s.id, .pos0 = s.n_computed, .n_tokens = n_tokens, .sample = sample});
    st.budget -= n_tokens;
    s.planned_step = step;
  }

  // Moves a waiting sequence into running with its first chunk, reusing the longest
  // chain of cached full blocks of its tokens. Only free blocks are used: false (and
  // nothing changes) when none are left for it.
  bool admit(std::deque<SeqId>::iterator where, Step& st) {
    Seq& s = seqs.at(*where);
    const int32_t bs = params.block_size;
    const int32_t len = static_cast<int32_t>(s.tokens.size());
    // At least the last token is evaluated, so the engine gets logits to sample from.
    const int32_t max_hits = (len - 1) / bs;
    std::vector<int32_t> hits;
    int32_t parent = kNoBlock;
    int32_t unreferenced_hits = 0;  // these leave the allocatable pool once retained
    for (int32_t i = 0; i < max_hits; ++i) {
      const int32_t block = alloc.find(parent, block_tokens(s, static_cast<size_t>(i)));
      if (block == kNoBlock) break;
      hits.push_back(block);
      if (alloc.ref_count(block) == 0) ++unreferenced_hits;
      parent = block;
    }
    const int32_t free_blocks = alloc.n_free() - unreferenced_hits;
    if (free_blocks <= 0) return false;
    const int32_t p0 = static_cast<int32_t>(hits.size()) * bs;
    int32_t want = std::min(len - p0, st.budget);
    const int32_t n_new = std::min((want + bs - 1) / bs, free_blocks);
    want = std::min(want, n_new * bs);

    waiting.erase(where);
    for (int32_t block : hits) alloc.retain(block);
    s.table = hits;
    for (int32_t i = 0; i < n_new; ++i) s.table.push_back(allocate_free());
    s.n_computed = p0;
    s.n_published = static_cast<int32_t>(hits.size());
    if (!s.admitted) {
      s.admitted = true;
      s.n_cached_prompt = std::min(p0, s.n_prompt);
    }
    s.running = true;
    insert_running(s.id);
    add_chunk(s, want, st);
    return true;
  }

  // Files every newly full block in the prefix cache. A block whose prefix is cached
  // already (another sequence evaluated the same tokens) is swapped for the cached
  // one, so the chain stays cached and later blocks can be published after it.
  void publish_full_blocks(Seq& s) {
    const int32_t n_full = s.n_computed / params.block_size;
    for (int32_t i = s.n_published; i < n_full; ++i) {
      const size_t idx = static_cast<size_t>(i);
      const int32_t own = s.table[idx];
      if (alloc.is_cached(own)) continue;
      const int32_t parent = i == 0 ? kNoBlock : s.table[idx - 1];
      const auto toks = block_tokens(s, idx);
      const int32_t cached = alloc.find(parent, toks);
      if (cached != kNoBlock) {
        alloc.retain(cached);
        alloc.release(own);
        s.table[idx] = cached;
      } else if (!alloc.publish(own, parent, toks)) {
        fail("a full block's parent is not cached");
      }
    }
    s.n_published = std::max(s.n_published, n_full);
  }

  SchedulerParams params;
  BlockAllocator alloc;
  std::unordered_map<SeqId, Seq> seqs;
  std::deque<SeqId> waiting;     // preempted ones first (by arrival), then new ones FIFO
  std::vector<SeqId> running;    // by arrival, oldest first: back() is the newest
  std::unordered_map<GroupId, int32_t> group_running;  // running sequences per group (> 0)
  uint64_t next_arrival = 0;
  uint64_t step = 0;
  int64_t n_preemptions = 0;
  std::vector<SeqId> in_flight;  // the sequences of the plan awaiting complete()
};

Status Scheduler::validate(const SchedulerParams& params) {
  if (params.block_size <= 0) return invalid_argument("scheduler: block_size must be positive");
  if (params.n_blocks <= 0) return invalid_argument("scheduler: n_blocks must be positive");
  if (params.max_batch_tokens <= 0) return invalid_argument("scheduler: max_batch_tokens must be positive");
  if (params.max_running <= 0) return invalid_argument("scheduler: max_running must be positive");
  if (static_cast<int64_t>(params.n_blocks) * params.block_size > INT32_MAX) {
    return invalid_argument("scheduler: n_blocks * block_size overflows");
  }
  return Status::ok_status();
}

Scheduler::Scheduler(const SchedulerParams& params) {
  const Status status = validate(params);
  if (!status.ok()) fail(status.message());
  impl_ = std::make_unique<Impl>(params);
}

Scheduler::~Scheduler() = default;

void Scheduler::add(SeqId id, std::vector<int32_t> prompt, GroupId group) {
  Impl& m = *impl_;
  if (prompt.empty()) fail("empty prompt");
  const int64_t blocks_needed = (static_cast<int64_t>(prompt.size()) + m.params.block_size - 1) / m.params.block_size;
  if (blocks_needed + 1 > m.params.n_blocks) fail("prompt does not fit in the KV pool");
  if (m.seqs.contains(id)) fail("sequence " + std::to_string(id) + " added twice");
  Impl::Seq s;
  s.id = id;
  s.group = group < 0 ? id : group;
  s.arrival = m.next_arrival++;
  s.n_prompt = static_cast<int32_t>(prompt.size());
  s.tokens = std::move(prompt);
  m.seqs.emplace(id, std::move(s));
  m.waiting.push_back(id);
}

void Scheduler::fork(SeqId parent, SeqId child) {
  Impl& m = *impl_;
  const Impl::Seq& p = m.get(parent);
  if (!p.running || p.n_computed != static_cast<int32_t>(p.tokens.size())) {
    fail("fork needs a running parent with all its tokens evaluated");
  }
  if (m.seqs.contains(child)) fail("sequence " + std::to_string(child) + " added twice");
  Impl::Seq c;
  c.id = child;
  c.group = p.group;
  c.arrival = m.next_arrival++;
  c.tokens = p.tokens;
  c.n_prompt = p.n_prompt;
  c.sampled_at = p.sampled_at;
  c.admitted = true;  // it resumes like a preempted sequence, its prompt not counted as cached
  const bool runs = static_cast<int32_t>(m.running.size()) < m.params.max_running;
  if (runs) {
    c.n_computed = p.n_computed;
    c.n_published = p.n_published;
    c.table = p.table;
    c.running = true;
    for (int32_t block : c.table) m.alloc.retain(block);
  }
  const Impl::Seq& added = m.seqs.emplace(child, std::move(c)).first->second;
  if (runs) {
    m.insert_running(child);  // the newest arrival: at the back
  } else {
    m.enqueue_resumable(added);
  }
}

StepPlan Scheduler::schedule() {
  Impl& m = *impl_;
  // An uncompleted plan is harmless only if all its sequences are gone (the engine
  // failed the batch and finished them).
  for (SeqId id : m.in_flight) {
    if (m.seqs.contains(id)) fail("schedule() before complete() of the previous plan");
  }
  m.in_flight.clear();
  ++m.step;
  Impl::Step st;
  st.budget = m.params.max_batch_tokens;

  // 1. One token for every sequence with a sampled token pending, oldest first.
  const std::vector<SeqId> decoders = m.running;
  for (SeqId id : decoders) {
    if (st.budget == 0) break;
    Impl::Seq& s = m.seqs.at(id);
    if (!s.running || static_cast<int32_t>(s.tokens.size()) - s.n_computed != 1) continue;
    if (m.grant(s, 1, st) == 0) continue;
    m.add_chunk(s, 1, st);
  }
  // 2. The next chunk of every running sequence still prefilling (or recomputing).
  const std::vector<SeqId> prefillers = m.running;
  for (SeqId id : prefillers) {
    if (st.budget == 0) break;
    Impl::Seq& s = m.seqs.at(id);
    const int32_t pending = static_cast<int32_t>(s.tokens.size()) - s.n_computed;
    if (!s.running || s.planned_step == m.step || pending <= 0) continue;
    const int32_t n = m.grant(s, std::min(pending, st.budget), st);
    if (n == 0) continue;
    m.add_chunk(s, n, st);
  }
  // 3. Waiting sequences, the group running the fewest first, while there is room;
  // not in a step that had to preempt (blocks are short), unless the group has a
  // fair claim on another's slot or blocks: then that one's newest is preempted.
  // Every turn admits (spending budget) or preempts from a group running at least
  // two more than the claimant (narrowing the gap), so the loop ends.
  while (st.budget > 0 && !m.waiting.empty()) {
    const auto next = m.fairest_waiting();
    Impl::Seq* victim = m.fair_claim(m.running_in(m.seqs.at(*next).group));
    const bool full = static_cast<int32_t>(m.running.size()) >= m.params.max_running;
    if (victim == nullptr && (full || st.preempted_any)) break;
    if (full) {
      m.preempt(*victim, st);
      continue;
    }
    if (m.admit(next, st)) continue;
    if (victim == nullptr) break;
    m.preempt(*victim, st);  // for its blocks
  }
  for (const ScheduledChunk& c : st.plan.chunks) m.in_flight.push_back(c.seq);
  return std::move(st.plan);
}

void Scheduler::complete(const StepPlan& plan) {
  Impl& m = *impl_;
  for (const ScheduledChunk& c : plan.chunks) {
    auto it = m.seqs.find(c.seq);
    if (it == m.seqs.end() || !it->second.running) continue;  // finished meanwhile
    Impl::Seq& s = it->second;
    if (c.pos0 != s.n_computed || c.pos0 + c.n_tokens > static_cast<int32_t>(s.tokens.size())) {
      fail("complete() with a plan that does not match sequence " + std::to_string(c.seq));
    }
    s.n_computed += c.n_tokens;
    if (c.sample) s.sampled_at = s.n_computed;
    m.publish_full_blocks(s);
  }
  m.in_flight.clear();
}

void Scheduler::append_token(SeqId id, int32_t token) {
  Impl& m = *impl_;
  Impl::Seq& s = m.get(id);
  if (static_cast<int32_t>(s.tokens.size()) >= m.max_tokens()) {
    fail("sequence " + std::to_string(id) + " grew past the KV pool (n_blocks * block_size tokens)");
  }
  s.tokens.push_back(token);
}

void Scheduler::finish(SeqId id) {
  Impl& m = *impl_;
  auto it = m.seqs.find(id);
  if (it == m.seqs.end()) return;
  Impl::Seq& s = it->second;
  if (s.running) {
    m.erase_running(s);
    m.release_table(s);
  } else {
    m.waiting.erase(std::find(m.waiting.begin(), m.waiting.end(), id));
  }
  m.seqs.erase(it);
}

bool Scheduler::contains(SeqId id) const { return impl_->seqs.contains(id); }
std::span<const int32_t> Scheduler::tokens(SeqId id) const { return impl_->get(id).tokens; }
std::span<const int32_t> Scheduler::block_table(SeqId id) const { return impl_->get(id).table; }
int32_t Scheduler::n_prompt(SeqId id) const { return impl_->get(id).n_prompt; }
int32_t Scheduler::n_cached_prompt(SeqId id) const { return impl_->get(id).n_cached_prompt; }
int32_t Scheduler::n_computed(SeqId id) const { return impl_->get(id).n_computed; }
bool Scheduler::is_running(SeqId id) const { return impl_->get(id).running; }
GroupId Scheduler::group(SeqId id) const { return impl_->get(id).group; }
int32_t Scheduler::n_waiting() const { return static_cast<int32_t>(impl_->waiting.size()); }
int32_t Scheduler::n_running() const { return static_cast<int32_t>(impl_->running.size()); }
int64_t Scheduler::n_preemptions() const { return impl_->n_preemptions; }
const BlockAllocator& Scheduler::blocks() const { return impl_->alloc; }
const SchedulerParams& Scheduler::params() const { return impl_->params; }

}  // namespace herd
