// Token masks by grammar state, shared by every matcher of a CompiledGrammar and safe to use
// from several threads. Least recently used masks are dropped past the capacity; a matcher that
// still holds one keeps it alive through its shared_ptr.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "grammar/grammar_matcher.h"
#include "grammar/grammar_stacks.h"

namespace herd::grammar {

class MaskCache {
 public:
  explicit MaskCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The mask cached for `key`, or nullptr.
  std::shared_ptr<const TokenMask> find(const StateKey& key);
  // Caches `mask` for `key` unless another thread did first; returns the cached mask.
  std::shared_ptr<const TokenMask> insert(const StateKey& key, std::shared_ptr<const TokenMask> mask);
  size_t size() const;
  size_t hits() const;

 private:
  struct Entry {
    std::shared_ptr<const TokenMask> mask;
    std::list<const StateKey*>::iterator recent;
  };
  mutable std::mutex mu_;
  size_t capacity_;
  size_t hits_ = 0;
  std::unordered_map<StateKey, Entry, StateKeyHash> entries_;
  std::list<const StateKey*> recent_;  // most recently used first; points at entries_' keys
};

}  // namespace herd::grammar
