// A fixed set of worker threads that run one job at a time across all threads.
// The calling thread takes part as thread 0, so ThreadPool(1) runs inline.
//
// Hot spot of token generation: a job is a few tens of microseconds, so waking the
// workers through a condition variable for every matrix product would cost more than
// the work. Waiting threads (idle workers, and the caller waiting for the others) spin
// for a short while (kSpinMicros) before they sleep on a condition variable; an idle
// pool sleeps and burns no CPU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace herd {

class ThreadPool {
 public:
  // How long a waiting thread spins before it sleeps.
  static constexpr int kSpinMicros = 200;

  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(ith, nth) once on every thread (ith in [0, nth)) and waits for all.
  // Not reentrant: fn must not call run on the same pool.
  void run(const std::function<void(int ith, int nth)>& fn);

  // Splits [0, n) into one contiguous chunk per thread and calls fn(begin, end).
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn);

  // The number of hardware threads, at least 1.
  static int default_threads();

 private:
  void worker_loop(int ith);

  int n_threads_;
  std::vector<std::thread> workers_;
  // Written by run() before it publishes a new generation; read by workers after.
  const std::function<void(int, int)>* job_ = nullptr;
  // Each on its own cache line: workers poll generation_ and count down pending_.
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  // Sleepers: a thread that stops spinning waits on these; whoever changes
  // generation_ or brings pending_ to 0 takes mu_ first, so no wake-up is lost.
  std::mutex mu_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
};

// The chunk [begin, end) of n items that thread ith of nth takes.
inline void split_range(int64_t n, int ith, int nth, int64_t* begin, int64_t* end) {
  int64_t per = n / nth;
  int64_t extra = n % nth;
  *begin = ith * per + (ith < extra ? ith : extra);
  *end = *begin + per + (ith < extra ? 1 : 0);
}

}  // namespace herd
