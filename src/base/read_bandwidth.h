// How fast this machine streams memory into the cores: the ceiling of token
// generation, which reads every weight byte once per token.
#pragma once

#include <cstddef>

#include "base/thread_pool.h"

namespace herd {

// Reads a buffer of `bytes` (far larger than the caches) with every thread of the pool,
// each its own slice, `rounds` times; returns the median rate in bytes per second.
// Allocates and touches the buffer first (so its pages are resident), then frees it.
double measure_read_bandwidth(ThreadPool& pool, size_t bytes, int rounds);

}  // namespace herd
