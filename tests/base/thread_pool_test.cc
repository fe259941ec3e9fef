#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace herd {
namespace {

class ThreadPoolSizes : public ::testing::TestWithParam<int> {};

TEST_P(ThreadPoolSizes, RunCallsEveryThreadIndexExactlyOnce) {
  const int n = GetParam();
  ThreadPool pool(n);
  ASSERT_EQ(pool.size(), n);
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::atomic<int>> calls(static_cast<size_t>(n));
    std::atomic<int> bad_nth{0};
    pool.run([&](int ith, int nth) {
      if (nth != n || ith < 0 || ith >= nth) {
        bad_nth.fetch_add(1);
        return;
      }
      calls[static_cast<size_t>(ith)].fetch_add(1);
    });
    EXPECT_EQ(bad_nth.load(), 0);
    for (int i = 0; i < n; ++i) EXPECT_EQ(calls[static_cast<size_t>(i)].load(), 1) << "ith " << i;
  }
}

TEST_P(ThreadPoolSizes, RunWaitsForAllThreads) {
  const int n = GetParam();
  ThreadPool pool(n);
  std::atomic<int> done{0};
  pool.run([&](int ith, int) {
    if (ith != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    done.fetch_add(1);
  });
  EXPECT_EQ(done.load(), n);  // every worker finished before run returned
}

TEST_P(ThreadPoolSizes, RunUsesDistinctThreadsAndTheCaller) {
  const int n = GetParam();
  ThreadPool pool(n);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::thread::id thread0;
  pool.run([&](int ith, int) {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
    if (ith == 0) thread0 = std::this_thread::get_id();
  });
  EXPECT_EQ(ids.size(), static_cast<size_t>(n));
  EXPECT_EQ(thread0, std::this_thread::get_id());
}

TEST_P(ThreadPoolSizes, ParallelForCoversRangeExactlyOnce) {
  const int nth = GetParam();
  ThreadPool pool(nth);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{1000}}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    std::atomic<int> bad{0};
    std::atomic<int> calls{0};
    pool.parallel_for(n, [&](int64_t begin, int64_t end) {
      calls.fetch_add(1);
      if (begin < 0 || begin >= end || end > n) {
        bad.fetch_add(1);
        return;
      }
      for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    EXPECT_EQ(bad.load(), 0) << "n " << n;
    EXPECT_LE(calls.load(), nth);
    if (n == 0) {
      EXPECT_EQ(calls.load(), 0);  // empty chunks are not called
    }
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n " << n << " index " << i;
    }
  }
}

TEST_P(ThreadPoolSizes, ManyBackToBackJobsDoNotDeadlock) {
  const int nth = GetParam();
  ThreadPool pool(nth);
  std::atomic<int64_t> total{0};
  constexpr int kJobs = 10000;
  for (int j = 0; j < kJobs; ++j) {
    pool.run([&](int, int) { total.fetch_add(1, std::memory_order_relaxed); });
  }
  EXPECT_EQ(total.load(), int64_t{kJobs} * nth);
  // Each job's writes are visible after run returns, without atomics.
  std::vector<int64_t> sums(static_cast<size_t>(nth));
  for (int j = 0; j < 200; ++j) {
    pool.run([&](int ith, int) { sums[static_cast<size_t>(ith)] += j; });
  }
  for (int i = 0; i < nth; ++i) EXPECT_EQ(sums[static_cast<size_t>(i)], 199 * 200 / 2);
}

TEST_P(ThreadPoolSizes, DestructorJoinsIdleAndUsedPools) {
  const int nth = GetParam();
  { ThreadPool idle(nth); }  // never ran a job
  std::atomic<int> ran{0};
  {
    ThreadPool used(nth);
    used.run([&](int, int) { ran.fetch_add(1); });
    used.run([&](int, int) { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 2 * nth);
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadPoolSizes, ::testing::Values(1, 2, 3, 8));

TEST(ThreadPoolTest, NonPositiveSizeMeansOneThread) {
  ThreadPool zero(0);
  EXPECT_EQ(zero.size(), 1);
  ThreadPool negative(-4);
  EXPECT_EQ(negative.size(), 1);
  int calls = 0;
  negative.run([&](int ith, int nth) {
    EXPECT_EQ(ith, 0);
    EXPECT_EQ(nth, 1);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPoolTest, DefaultThreadsIsPositive) { EXPECT_GE(ThreadPool::default_threads(), 1); }

TEST(ThreadPoolTest, ManyPoolsCreatedAndDestroyed) {
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(3);
    if (i % 2 == 0) pool.run([&](int, int) { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 25 * 3);
}

TEST(ThreadPoolTest, WorkersWakeAfterSleeping) {
  // Longer gaps than the spin time: every job finds its workers asleep.
  ThreadPool pool(3);
  for (int rep = 0; rep < 4; ++rep) {
    std::this_thread::sleep_for(std::chrono::microseconds(3 * ThreadPool::kSpinMicros));
    std::atomic<int> calls{0};
    pool.run([&](int, int) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), 3) << "rep " << rep;
  }
}

TEST(ThreadPoolTest, CallerSleepsWhileASlowWorkerFinishes) {
  // The caller's own share is quick and a worker's is far longer than the spin time:
  // run() must still wait for it.
  ThreadPool pool(2);
  std::atomic<bool> slow_done{false};
  pool.run([&](int ith, int) {
    if (ith == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      slow_done.store(true);
    }
  });
  EXPECT_TRUE(slow_done.load());
}

TEST(SplitRangeTest, PartitionsContiguouslyAndEvenly) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{2}, int64_t{7}, int64_t{8}, int64_t{1000},
                    int64_t{1001}}) {
    for (int nth : {1, 2, 3, 4, 7, 8, 16}) {
      int64_t expect_begin = 0;
      int64_t min_len = INT64_MAX, max_len = 0;
      for (int ith = 0; ith < nth; ++ith) {
        int64_t begin = -1, end = -1;
        split_range(n, ith, nth, &begin, &end);
        ASSERT_EQ(begin, expect_begin) << "n " << n << " nth " << nth << " ith " << ith;
        ASSERT_GE(end, begin);
        min_len = std::min(min_len, end - begin);
        max_len = std::max(max_len, end - begin);
        expect_begin = end;
      }
      EXPECT_EQ(expect_begin, n) << "n " << n << " nth " << nth;
      EXPECT_LE(max_len - min_len, 1) << "n " << n << " nth " << nth;
    }
  }
}

TEST(SplitRangeTest, KnownSplits) {
  int64_t b = 0, e = 0;
  // 10 over 3: 4, 3, 3.
  split_range(10, 0, 3, &b, &e);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(e, 4);
  split_range(10, 1, 3, &b, &e);
  EXPECT_EQ(b, 4);
  EXPECT_EQ(e, 7);
  split_range(10, 2, 3, &b, &e);
  EXPECT_EQ(b, 7);
  EXPECT_EQ(e, 10);
  // More threads than items: the last threads get nothing.
  split_range(2, 3, 4, &b, &e);
  EXPECT_EQ(b, e);
  EXPECT_EQ(b, 2);
}

TEST(SplitRangeTest, LargeCountsDoNotOverflow) {
  const int64_t n = int64_t{1} << 40;
  int64_t b = 0, e = 0;
  split_range(n, 6, 7, &b, &e);
  EXPECT_EQ(e, n);
  split_range(n, 0, 7, &b, &e);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(e, n / 7 + (n % 7 > 0 ? 1 : 0));
}

}  // namespace
}  // namespace herd
