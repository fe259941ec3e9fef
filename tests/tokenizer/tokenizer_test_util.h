// Shared by the tokenizer tests: opening the shared GGUFs once, reading the upstream
// tokenizer test vectors, and building tokenizers from hand-made vocabs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/shared_data.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace herd::testing {

// Path relative to shared/models.
inline std::string model_path(const std::string& rel) {
  return (shared_dir() / "models" / rel).string();
}

// Opens a shared GGUF once per test binary; nullptr (and a test failure) if it fails.
inline const GgufFile* shared_gguf(const std::string& rel) {
  static std::map<std::string, std::unique_ptr<GgufFile>> cache;
  auto it = cache.find(rel);
  if (it != cache.end()) return it->second.get();
  Result<std::unique_ptr<GgufFile>> f = GgufFile::open(model_path(rel));
  if (!f.ok()) {
    ADD_FAILURE() << rel << ": " << f.status().to_string();
    return nullptr;
  }
  return (cache[rel] = std::move(f).value()).get();
}

// The tokenizer of a shared GGUF, built once per test binary.
inline const Tokenizer* shared_tokenizer(const std::string& rel) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(rel);
  if (it != cache.end()) return it->second.get();
  const GgufFile* file = shared_gguf(rel);
  if (file == nullptr) return nullptr;
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::from_gguf(*file);
  if (!t.ok()) {
    ADD_FAILURE() << rel << ": " << t.status().to_string();
    return nullptr;
  }
  return (cache[rel] = std::move(t).value()).get();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct VectorCase {
  std::string text;
  std::vector<int32_t> ids;
};

// vocab/<name>.gguf.inp/.out: cases separated by "\n__ggml_vocab_test__\n" (which also
// ends the file); one line of " id id ..." per case.
inline std::vector<VectorCase> read_vectors(const std::string& name) {
  const std::string inp = read_file(model_path("vocab/" + name + ".gguf.inp"));
  const std::string out = read_file(model_path("vocab/" + name + ".gguf.out"));
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<VectorCase> cases;
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t end = inp.find(sep, pos);
    if (end == std::string::npos) break;
    cases.push_back({inp.substr(pos, end - pos), {}});
    pos = end + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    if (i >= cases.size()) {
      ADD_FAILURE() << name << ".out has more lines than cases";
      break;
    }
    std::istringstream ids(line);
    int32_t id;
    while (ids >> id) cases[i].ids.push_back(id);
    ++i;
  }
  EXPECT_EQ(i, cases.size()) << name;
  return cases;
}

// Vocab params for a small SPM vocab: <unk> <s> </s>, then the given pieces with the
// given scores (normal tokens), then optionally all 256 byte tokens.
inline VocabParams small_spm_params(const std::vector<std::pair<std::string, float>>& pieces,
                                    bool byte_tokens) {
  VocabParams p;
  p.model = "llama";
  p.tokens = {"<unk>", "<s>", "</s>"};
  p.scores = {0, 0, 0};
  p.types = {TokenType::kUnknown, TokenType::kControl, TokenType::kControl};
  p.bos_id = 1;
  p.eos_id = 2;
  p.unk_id = 0;
  p.add_bos = true;
  p.add_space_prefix = true;
  for (const auto& [text, score] : pieces) {
    p.tokens.push_back(text);
    p.scores.push_back(score);
    p.types.push_back(TokenType::kNormal);
  }
  if (byte_tokens) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      p.tokens.push_back(name);
      p.scores.push_back(0);
      p.types.push_back(TokenType::kByte);
    }
  }
  return p;
}

inline std::unique_ptr<Tokenizer> make_tokenizer(VocabParams p) {
  Result<Vocab> v = Vocab::create(std::move(p));
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  if (!v.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> t = Tokenizer::create(std::move(v).value());
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  if (!t.ok()) return nullptr;
  return std::move(t).value();
}

// An SPM vocab whose special tokens overlap in every way: user-defined ab, bca, cc;
// control abc, b, abcab.
inline std::unique_ptr<Tokenizer> overlapping_specials_tokenizer() {
  VocabParams p = small_spm_params(
      {{"ab", 0}, {"abc", 0}, {"bca", 0}, {"b", 0}, {"cc", 0}, {"abcab", 0}, {"x", 0}}, false);
  p.types[3] = TokenType::kUserDefined;  // ab
  p.types[4] = TokenType::kControl;      // abc
  p.types[5] = TokenType::kUserDefined;  // bca
  p.types[6] = TokenType::kControl;      // b
  p.types[7] = TokenType::kUserDefined;  // cc
  p.types[8] = TokenType::kControl;      // abcab
  return make_tokenizer(std::move(p));
}

}  // namespace herd::testing
