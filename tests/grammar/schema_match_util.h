// Random walks through a matcher, for the JSON schema property tests (compiling and whole-input
// matching come from grammar_test_util.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "grammar_test_util.h"

namespace herd::grammar::testing {

// A random sentence of the grammar: random allowed bytes (ASCII where any is allowed, closing
// bytes preferred as the walk grows) until it ends. false if it has not ended within max_steps.
inline bool random_walk(const std::shared_ptr<const CompiledGrammar>& grammar, std::mt19937_64& rng, std::string& out,
                        size_t max_steps = 4000) {
  GrammarMatcher m(grammar);
  out.clear();
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t step = 0; step < max_steps; ++step) {
    const TokenMask& mask = m.allowed_tokens();
    std::vector<int> ascii, other, closing;
    for (int b = 0; b < 256; ++b) {
      if (!mask.allows(b)) continue;
      (b < 0x80 ? ascii : other).push_back(b);
      if (b == '"' || b == '}' || b == ']') closing.push_back(b);
    }
    bool can_end = mask.allows(kByteEos);
    if (can_end && ((ascii.empty() && other.empty()) || unit(rng) < 0.3 + double(step) / 200)) return true;
    int b;
    if (!closing.empty() && unit(rng) < double(step) / 300) {
      b = closing[rng() % closing.size()];
    } else if (!ascii.empty() && (other.empty() || unit(rng) < 0.95)) {
      b = ascii[rng() % ascii.size()];
    } else if (!other.empty()) {
      b = other[rng() % other.size()];
    } else {
      ADD_FAILURE() << "no byte allowed and cannot end after: " << out;
      return false;
    }
    out += char(b);
    if (!m.accept_token(b)) {
      ADD_FAILURE() << "the matcher refused a byte its mask allowed after: " << out;
      return false;
    }
  }
  return false;
}

}  // namespace herd::grammar::testing
