#include "grammar/grammar_stacks.h"

#include <algorithm>

namespace herd::grammar {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Expansion work allowed per byte, per allowed stack: closing a stack walks nullable rules and
// pops finished ones, a few steps each in any sensible grammar.
constexpr size_t kStepsPerStack = 64;

}  // namespace

FlatGrammar::FlatGrammar(const Grammar& grammar) {
  Slot root;
  root.kind = Kind::kRule;
  root.rule = grammar.root;
  slots.push_back(root);
  slots.push_back(Slot{});
  alternative_starts.resize(grammar.rules.size());
  for (size_t r = 0; r < grammar.rules.size(); ++r) {
    for (const Sequence& alt : grammar.rules[r].alternatives) {
      alternative_starts[r].push_back(uint32_t(slots.size()));
      for (const Element& e : alt) {
        Slot s;
        s.kind = e.kind == Element::Kind::kBytes ? Kind::kBytes : Kind::kRule;
        s.rule = e.rule;
        s.bytes = e.bytes;
        slots.push_back(s);
      }
      slots.push_back(Slot{});
    }
  }
}

StackArena::StackArena(const FlatGrammar& grammar, size_t max_stacks)
    : grammar_(grammar), max_stacks_(max_stacks), max_steps_(kStepsPerStack * max_stacks + 1024) {}

int32_t StackArena::push(uint32_t pos, int32_t parent) {
  nodes_.push_back({pos, parent, mix(hash_of(parent) * 31 + pos + 1)});
  return int32_t(nodes_.size() - 1);
}

bool StackArena::same_stack(int32_t a, int32_t b) const {
  while (a != b) {
    if (a == kEmptyStack || b == kEmptyStack) return false;
    const Node& na = nodes_[size_t(a)];
    const Node& nb = nodes_[size_t(b)];
    if (na.pos != nb.pos || na.hash != nb.hash) return false;
    a = na.parent;
    b = nb.parent;
  }
  return true;
}

bool StackArena::close(uint32_t pos, int32_t parent, std::vector<int32_t>& tops, size_t& steps) {
  work_.clear();
  work_.emplace_back(pos, parent);
  while (!work_.empty()) {
    const auto [p, under] = work_.back();
    work_.pop_back();
    if (++steps > max_steps_) return false;
    const FlatGrammar::Slot& slot = grammar_.slots[p];
    switch (slot.kind) {
      case FlatGrammar::Kind::kEnd:
        if (under == kEmptyStack) {
          tops.push_back(kEmptyStack);
        } else {
          work_.emplace_back(nodes_[size_t(under)].pos, nodes_[size_t(under)].parent);
        }
        break;
      case FlatGrammar::Kind::kBytes:
        tops.push_back(push(p, under));
        break;
      case FlatGrammar::Kind::kRule: {
        // A reference in tail position resumes straight into what is under it, so right
        // recursion (x*, nested optionals) keeps the stack as deep as it was.
        const bool tail = grammar_.slots[p + 1].kind == FlatGrammar::Kind::kEnd;
        const int32_t resume = tail ? under : push(p + 1, under);
        for (uint32_t s : grammar_.alternative_starts[size_t(slot.rule)]) work_.emplace_back(s, resume);
        break;
      }
    }
  }
  return true;
}

bool StackArena::dedupe(std::vector<int32_t>& tops, size_t from) {
  if (tops.size() - from > 1) {
    std::sort(tops.begin() + std::ptrdiff_t(from), tops.end(), [&](int32_t a, int32_t b) {
      const uint64_t ha = hash_of(a), hb = hash_of(b);
      return ha != hb ? ha < hb : a < b;
    });
    size_t kept = from;
    for (size_t i = from; i < tops.size(); ++i) {
      bool duplicate = false;
      for (size_t j = kept; j > from && hash_of(tops[j - 1]) == hash_of(tops[i]); --j) {
        if (same_stack(tops[j - 1], tops[i])) {
          duplicate = true;
          break;
        }
      }
      if (!duplicate) tops[kept++] = tops[i];
    }
    tops.resize(kept);
  }
  if (tops.size() - from > max_stacks_) {
    tops.resize(from);
    return false;
  }
  return true;
}

bool StackArena::finish(std::vector<int32_t>& tops, size_t from, bool ok) {
  if (!ok) {
    tops.resize(from);
    return false;
  }
  return dedupe(tops, from);
}

bool StackArena::advance(std::vector<int32_t>& tops, size_t begin, size_t end, uint8_t byte) {
  const size_t from = tops.size();
  size_t steps = 0;
  for (size_t i = begin; i < end; ++i) {
    const int32_t top = tops[i];
    if (top == kEmptyStack) continue;
    const Node node = nodes_[size_t(top)];
    if (!grammar_.slots[node.pos].bytes.test(byte)) continue;
    if (!close(node.pos + 1, node.parent, tops, steps)) return finish(tops, from, false);
  }
  return finish(tops, from, true);
}

bool StackArena::start(std::vector<int32_t>& tops) {
  const size_t from = tops.size();
  size_t steps = 0;
  const bool ok = close(0, kEmptyStack, tops, steps);
  return finish(tops, from, ok);
}

ByteSet StackArena::next_bytes(const std::vector<int32_t>& tops, size_t begin, size_t end) const {
  ByteSet bytes;
  for (size_t i = begin; i < end; ++i) {
    if (tops[i] != kEmptyStack) bytes |= grammar_.slots[nodes_[size_t(tops[i])].pos].bytes;
  }
  return bytes;
}

void StackArena::load(const StateKey& key, std::vector<int32_t>& tops) {
  size_t i = 0;
  while (i < key.words.size()) {
    const uint32_t len = key.words[i++];
    int32_t top = kEmptyStack;
    for (uint32_t k = 0; k < len; ++k) top = push(key.words[i + k], top);
    i += len;
    tops.push_back(top);
  }
}

StateKey StackArena::key_of(std::span<const int32_t> tops) const {
  std::vector<std::vector<uint32_t>> stacks;
  stacks.reserve(tops.size());
  for (int32_t top : tops) {
    std::vector<uint32_t> stack;
    for (int32_t n = top; n != kEmptyStack; n = nodes_[size_t(n)].parent) stack.push_back(nodes_[size_t(n)].pos);
    std::reverse(stack.begin(), stack.end());
    stacks.push_back(std::move(stack));
  }
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  StateKey key;
  uint64_t h = 0;
  for (const auto& stack : stacks) {
    key.words.push_back(uint32_t(stack.size()));
    key.words.insert(key.words.end(), stack.begin(), stack.end());
  }
  for (uint32_t w : key.words) h = mix(h ^ w);
  key.hash = h;
  return key;
}

}  // namespace herd::grammar
