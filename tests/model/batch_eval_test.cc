// eval_batch: many sequences in one batch, each through its own block table. The
// server's promise of batch invariance starts here: a sequence's logits are bit-for-bit
// the same whether it is evaluated alone, chunked differently, or next to others,
// whichever physical blocks hold its KV.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../support/shared_data.h"
#include "model/context.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

constexpr int32_t kBlock = 4;

struct Seq {
  std::vector<int32_t> tokens;
  std::vector<int32_t> table;  // physical blocks
};

class BatchEvalTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const fs::path path = testing::shared_dir() / "reference" / "logits" / (GetParam() + ".gguf");
    ASSERT_TRUE(fs::exists(path)) << "no " << path;
    Result<std::unique_ptr<Model>> m = Model::load(path.string());
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    model_ = std::move(m).value();
  }

  std::unique_ptr<Context> make(int32_t n_batch, int n_threads, int32_t kv_blocks = 48, int32_t n_ctx = 64) {
    ContextParams p;
    p.n_ctx = n_ctx;  // also caps the batch
    p.n_batch = n_batch;
    p.n_threads = n_threads;
    p.kv_blocks = kv_blocks;
    p.kv_block_size = kBlock;
    Result<std::unique_ptr<Context>> ctx = Context::create(*model_, p);
    EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }

  // Evaluates the sequences' tokens [from[s], to[s]) in one batch, rows interleaved
  // round-robin; returns the logits of every row, per sequence in position order.
  std::vector<std::vector<float>> run(Context& ctx, const std::vector<Seq>& seqs, const std::vector<int32_t>& from,
                                      const std::vector<int32_t>& to) {
    std::vector<int32_t> tokens, positions, ids, rows;
    std::vector<std::span<const int32_t>> tables;
    for (const Seq& s : seqs) tables.emplace_back(s.table);
    std::vector<int32_t> next = from;
    for (bool more = true; more;) {
      more = false;
      for (size_t s = 0; s < seqs.size(); ++s) {
        if (next[s] >= to[s]) continue;
        more = true;
        rows.push_back(static_cast<int32_t>(tokens.size()));
        tokens.push_back(seqs[s].tokens[static_cast<size_t>(next[s])]);
        positions.push_back(next[s]);
        ids.push_back(static_cast<int32_t>(s));
        ++next[s];
      }
    }
    BatchInput b{tokens, positions, ids, tables, rows};
    const Status st = ctx.eval_batch(b);
    EXPECT_TRUE(st.ok()) << st.to_string();
    std::vector<std::vector<float>> out(seqs.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      std::span<const float> l = ctx.logits(static_cast<int64_t>(r));
      out[static_cast<size_t>(ids[r])].insert(out[static_cast<size_t>(ids[r])].end(), l.begin(), l.end());
    }
    return out;
  }

  std::unique_ptr<Model> model_;
};

std::vector<int32_t> prompt(int32_t n, int32_t salt) {
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < n; ++i) ids.push_back(1 + (i * 37 + salt * 11) % 250);
  return ids;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_P(BatchEvalTest, ASequenceAloneEqualsTheSameAmongOthers) {
  const Seq a{prompt(13, 1), {7, 2, 30, 11}};
  const Seq b{prompt(9, 2), {0, 5, 6}};
  const Seq c{prompt(21, 3), {40, 41, 3, 9, 20, 21}};
  std::unique_ptr<Context> alone = make(512, 1);
  const std::vector<float> want = run(*alone, {a}, {0}, {13})[0];

  std::unique_ptr<Context> together = make(512, 2);
  const auto got = run(*together, {b, a, c}, {0, 0, 0}, {9, 13, 21});
  EXPECT_TRUE(same_bits(got[1], want)) << "a among b and c";

  // Chunked prefill across three steps, small n_batch, other sequences in between.
  std::unique_ptr<Context> chunked = make(5, 2);
  const Seq a2{a.tokens, {1, 12, 13, 14}};
  auto part1 = run(*chunked, {a2, c}, {0, 0}, {4, 7});
  auto part2 = run(*chunked, {b, a2}, {0, 4}, {9, 10});
  auto part3 = run(*chunked, {a2}, {10}, {13});
  std::vector<float> joined = part1[0];
  joined.insert(joined.end(), part2[1].begin(), part2[1].end());
  joined.insert(joined.end(), part3[0].begin(), part3[0].end());
  EXPECT_TRUE(same_bits(joined, want)) << "a chunked";

  // Decoding one token at a time after its prompt, next to others.
  std::unique_ptr<Context> decode = make(512, 2);
  auto first = run(*decode, {a}, {0}, {10});
  std::vector<float> stepped = first[0];
  for (int32_t p = 10; p < 13; ++p) {
    auto step = run(*decode, {c, a}, {p, p}, {p + 1, p + 1});
    stepped.insert(stepped.end(), step[1].begin(), step[1].end());
  }
  EXPECT_TRUE(same_bits(stepped, want)) << "a decoded token by token";
}

// A batch longer than the FFN's token chunk (Context::ffn_chunk_tokens(), the minimum
// for these tiny models): chunk boundaries fall inside sequences, which must not notice.
TEST_P(BatchEvalTest, ABatchLongerThanTheFfnChunkEqualsEachSequenceAlone) {
  constexpr int32_t kSeqs = 6, kLen = 50, kBlocks = (kLen + kBlock - 1) / kBlock;
  std::vector<Seq> seqs;
  for (int32_t s = 0; s < kSeqs; ++s) {
    Seq q{prompt(kLen, 10 + s), {}};
    for (int32_t b = 0; b < kBlocks; ++b) q.table.push_back(s * kBlocks + b);
    seqs.push_back(std::move(q));
  }
  std::unique_ptr<Context> together = make(512, 2, kSeqs * kBlocks, 512);
  ASSERT_LT(together->ffn_chunk_tokens(), kSeqs * kLen);
  const auto got = run(*together, seqs, std::vector<int32_t>(kSeqs, 0), std::vector<int32_t>(kSeqs, kLen));
  for (int32_t s = 0; s < kSeqs; ++s) {
    std::unique_ptr<Context> alone = make(512, 1, kBlocks);
    Seq own{seqs[static_cast<size_t>(s)].tokens, {}};
    for (int32_t b = 0; b < kBlocks; ++b) own.table.push_back(b);
    const auto want = run(*alone, {own}, {0}, {kLen});
    EXPECT_TRUE(same_bits(got[static_cast<size_t>(s)], want[0])) << "sequence " << s;
  }
}

TEST_P(BatchEvalTest, SharedPrefixBlocksGiveTheSameLogits) {
  // b shares a's first two blocks (8 positions): it evaluates only its own suffix.
  const std::vector<int32_t> common = prompt(8, 4);
  Seq a{common, {3, 4, 5, 6}};
  for (int32_t t : prompt(5, 5)) a.tokens.push_back(t);
  Seq b{common, {3, 4, 20, 21}};
  for (int32_t t : prompt(6, 6)) b.tokens.push_back(t);

  std::unique_ptr<Context> fresh = make(512, 1);
  const std::vector<float> want = run(*fresh, {b}, {0}, {14})[0];

  std::unique_ptr<Context> shared = make(512, 2);
  run(*shared, {a}, {0}, {13});
  const std::vector<float> got = run(*shared, {b}, {8}, {14})[0];
  const size_t n_vocab = static_cast<size_t>(model_->hparams().n_vocab);
  const std::vector<float> want_suffix(want.begin() + static_cast<std::ptrdiff_t>(8 * n_vocab), want.end());
  EXPECT_TRUE(same_bits(got, want_suffix));
}

TEST_P(BatchEvalTest, CopiedBlockServesLikeTheOriginal) {
  std::unique_ptr<Context> ctx = make(512, 2);
  const Seq a{prompt(10, 7), {2, 3, 4}};
  const std::vector<float> want = run(*ctx, {a}, {0}, {10})[0];
  ctx->kv().copy_block(3, 9);
  const Seq copy{a.tokens, {2, 9, 4}};
  // Re-evaluate the last position only; its keys 0..9 come partly from the copy.
  const auto got = run(*ctx, {copy}, {9}, {10})[0];
  const size_t n_vocab = static_cast<size_t>(model_->hparams().n_vocab);
  EXPECT_TRUE(same_bits(got, std::vector<float>(want.end() - static_cast<std::ptrdiff_t>(n_vocab), want.end())));
}

TEST_P(BatchEvalTest, BadBatchesAreErrorsNotCrashes) {
  std::unique_ptr<Context> ctx = make(512, 1);
  const std::vector<int32_t> table = {0, 1};
  const std::vector<std::span<const int32_t>> tables = {table};
  const std::vector<int32_t> tok = {5}, seq0 = {0}, none = {};
  auto eval = [&](std::vector<int32_t> tokens, std::vector<int32_t> pos, std::vector<int32_t> seqs,
                  std::vector<int32_t> rows) {
    BatchInput b{tokens, pos, seqs, tables, rows};
    return ctx->eval_batch(b);
  };
  EXPECT_FALSE(eval({}, {}, {}, {}).ok());
  EXPECT_FALSE(eval({5}, {0, 1}, {0}, {}).ok());
  EXPECT_FALSE(eval({-1}, {0}, {0}, {}).ok());
  EXPECT_FALSE(eval({5}, {8}, {0}, {}).ok()) << "position past the block table";
  EXPECT_FALSE(eval({5}, {64}, {0}, {}).ok()) << "position past n_ctx";
  EXPECT_FALSE(eval({5}, {0}, {1}, {}).ok()) << "no such sequence";
  EXPECT_FALSE(eval({5, 6}, {0, 1}, {0, 0}, {1, 0}).ok()) << "rows not ascending";
  EXPECT_FALSE(eval({5}, {0}, {0}, {1}).ok()) << "row past the batch";
  const std::vector<int32_t> bad_table = {0, 4000};
  const std::vector<std::span<const int32_t>> bad_tables = {bad_table};
  const std::vector<int32_t> t = {5}, p = {5}, s = {0}, r = {0};
  EXPECT_FALSE(ctx->eval_batch(BatchInput{t, p, s, bad_tables, r}).ok()) << "block id past the pool";
  EXPECT_TRUE(eval({5, 6}, {0, 1}, {0, 0}, {0, 1}).ok());
}

INSTANTIATE_TEST_SUITE_P(Types, BatchEvalTest,
                         ::testing::Values("llama-tiny-F32", "llama-tiny-F16", "llama-tiny-Q8_0", "llama-tiny-Q4_0",
                                           "llama-tiny-Q4_K_M", "llama-tiny-Q6_K", "mixtral-tiny-Q4_0", "qwen2-tiny-Q8_0",
                                           "gemma2-tiny-F16"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace herd
