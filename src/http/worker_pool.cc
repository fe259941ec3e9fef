#include "http/worker_pool.h"

#include <utility>

namespace herd::http {

WorkerPool::WorkerPool(size_t max_threads, size_t max_queued)
    : max_threads_(max_threads < 1 ? 1 : max_threads), max_queued_(max_queued) {}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::try_submit(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  if (idle_ > jobs_.size()) {
    jobs_.push_back(std::move(job));
    cv_.notify_one();
    return true;
  }
  if (threads_.size() < max_threads_) {
    jobs_.push_back(std::move(job));
    threads_.emplace_back([this] { work(); });
    return true;
  }
  if (jobs_.size() < max_queued_) {
    jobs_.push_back(std::move(job));
    return true;
  }
  return false;
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // what the job held goes before the lock is taken again
    lock.lock();
  }
}

void WorkerPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
}

}  // namespace herd::http
