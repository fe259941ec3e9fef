// A random-weight model with Qwen2's 151,936-token vocabulary and the tiny shape (256 wide, 2
// layers): what the constrained-generation and tool-call tests run on, written into `dir`.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "convert/synth_model.h"
#include "shared_data.h"

namespace herd::testing {

inline std::string synth_qwen2_vocab_model(const std::string& dir) {
  SynthParams p;
  p.shape = "tiny";
  p.type = "Q8_0";
  p.output = dir + "/qwen2-vocab-tiny.gguf";
  p.vocab_from = (shared_dir() / "models" / "vocab" / "ggml-vocab-qwen2.gguf").string();
  p.n_threads = 2;
  Result<SynthSummary> s = synth_model(p);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  if (s.ok()) EXPECT_EQ(s->n_vocab, 151936);
  return p.output;
}

}  // namespace herd::testing
