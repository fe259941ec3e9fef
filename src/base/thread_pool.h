// A fixed set of worker threads that run one job at a time across all threads.
// The calling thread takes part as thread 0, so ThreadPool(1) runs inline.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace herd {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(ith, nth) once on every thread (ith in [0, nth)) and waits for all.
  void run(const std::function<void(int ith, int nth)>& fn);

  // Splits [0, n) into one contiguous chunk per thread and calls fn(begin, end).
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn);

  // The number of hardware threads, at least 1.
  static int default_threads();

 private:
  void worker_loop(int ith);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(int, int)>* job_ = nullptr;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

// The chunk [begin, end) of n items that thread ith of nth takes.
inline void split_range(int64_t n, int ith, int nth, int64_t* begin, int64_t* end) {
  int64_t per = n / nth;
  int64_t extra = n % nth;
  *begin = ith * per + (ith < extra ? ith : extra);
  *end = *begin + per + (ith < extra ? 1 : 0);
}

}  // namespace herd
