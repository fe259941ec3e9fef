// A bounded pool of threads for request handlers. Threads start on demand up to
// max_threads and then stay; a job that finds every thread busy waits in a queue of
// at most max_queued jobs, or is refused, so overload is answered at once instead of
// piling up.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace herd::http {

class WorkerPool {
 public:
  WorkerPool(size_t max_threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when every thread is busy and the queue is full (or the pool is shut down).
  bool try_submit(std::function<void()> job);
  // Runs what is queued, then joins every thread.
  void shutdown();

 private:
  void work();

  const size_t max_threads_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace herd::http
