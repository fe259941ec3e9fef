// How much KV cache a server can afford: the bytes one position takes, the memory the
// system has left, and the default pool budget derived from both.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace herd {

// Bytes one position takes in every layer, K and V.
uint64_t kv_bytes_per_token(int32_t n_layer, int64_t n_embd_kv, DType type_k, DType type_v);

// MemAvailable from /proc/meminfo (what can be allocated without swapping); the
// physical memory when that is unreadable; UINT64_MAX when neither is known.
uint64_t available_memory_bytes();

// The default pool budget: what `wanted` bytes (n_parallel sequences of n_ctx) need,
// but at most kKvShareOfFree of the memory left once the model's file is resident.
inline constexpr double kKvShareOfFree = 0.75;
uint64_t default_kv_budget(uint64_t wanted, uint64_t model_bytes, uint64_t available);

}  // namespace herd
