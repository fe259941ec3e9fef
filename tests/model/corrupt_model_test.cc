// Real model files with one field corrupted, as an attacker or a broken converter would:
// each must be refused with an error that names the problem, before any count from the
// file sizes an allocation.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "../support/shared_data.h"
#include "gguf/gguf_image.h"
#include "model/context.h"
#include "model/model.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

// Peak resident set so far, in bytes.
int64_t max_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

class CorruptModel : public ::testing::Test {
 protected:
  // Opens shared/<rel> and makes an editable image of it; skips when the file is absent.
  GgufImage image_of(const std::string& rel) {
    const fs::path path = testing::shared_dir() / rel;
    if (!fs::exists(path)) return {};
    Result<std::unique_ptr<GgufFile>> f = GgufFile::open(path.string());
    EXPECT_TRUE(f.ok()) << f.status().to_string();
    if (!f.ok()) return {};
    source_ = std::move(f).value();
    return GgufImage::from(*source_);
  }

  // Parses the image's bytes (kept alive in bytes_) and loads the model from them.
  Result<std::unique_ptr<Model>> load(const GgufImage& img) {
    bytes_ = img.bytes();
    HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> f, GgufFile::parse(bytes_));
    return Model::from_gguf(std::move(f));
  }

  // load(), and how much the peak RSS grew meanwhile.
  Result<std::unique_ptr<Model>> load_measuring(const GgufImage& img, int64_t* grown) {
    const int64_t before = max_rss_bytes();
    Result<std::unique_ptr<Model>> m = load(img);
    *grown = max_rss_bytes() - before;
    return m;
  }

  void expect_refused(const GgufImage& img, StatusCode code, const std::string& message) {
    Result<std::unique_ptr<Model>> m = load(img);
    ASSERT_FALSE(m.ok()) << "loaded";
    EXPECT_EQ(m.status().code(), code) << m.status().to_string();
    EXPECT_EQ(m.status().message(), message);
  }

  std::unique_ptr<GgufFile> source_;
  std::vector<uint8_t> bytes_;
};

#define IMAGE_OR_FAIL(img, rel)                         \
  GgufImage img = image_of(rel);                        \
  ASSERT_FALSE(img.kvs.empty()) << rel << " absent"

GgufMetaValue u32(uint32_t v) { return GgufMetaValue::of_uint(GgufType::kUint32, v); }

TEST_F(CorruptModel, UnchangedImageLoads) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  Result<std::unique_ptr<Model>> m = load(img);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ((*m)->hparams().n_layer, 5);
}

// The attack run's file: 1.2 MB claiming a million layers cost 745 MB before the error.
// The peak RSS may not grow by more than a small constant (the file is 1.2 MB).
TEST_F(CorruptModel, MillionBlocksFailBeforeAllocating) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  img.set("llama.block_count", u32(1000000));
  int64_t grown = 0;
  Result<std::unique_ptr<Model>> m = load_measuring(img, &grown);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(m.status().message(), "llama.block_count = 1000000 needs at least 4000000 tensors; the file has 48");
  EXPECT_LT(grown, 32 << 20) << "peak RSS grew by " << grown << " bytes";
}

TEST_F(CorruptModel, BlockCountBeyondTheTensorsIsRefused) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  img.set("llama.block_count", u32(13));  // 5 layers of 9 tensors: 52 > 48
  expect_refused(img, StatusCode::kCorruptFile, "llama.block_count = 13 needs at least 52 tensors; the file has 48");
  img.set("llama.block_count", u32(6));  // fits the count, but blk.5 is not there
  expect_refused(img, StatusCode::kNotFound, "tensor \"blk.5.attn_norm.weight\" is missing");
}

TEST_F(CorruptModel, HugeExpertCountFailsBeforeAllocating) {
  IMAGE_OR_FAIL(img, "reference/logits/mixtral-tiny-Q4_0.gguf");
  img.set("llama.expert_count", u32(1000000));
  int64_t grown = 0;
  Result<std::unique_ptr<Model>> m = load_measuring(img, &grown);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "llama.expert_count = 1000000 does not match the router blk.0.ffn_gate_inp.weight (shape [256, 4])");
  EXPECT_LT(grown, 32 << 20) << "peak RSS grew by " << grown << " bytes";

  // A dense file that claims experts.
  IMAGE_OR_FAIL(dense, "models/stories260K.gguf");
  dense.set("llama.expert_count", u32(1000000));
  dense.set("llama.expert_used_count", u32(2));
  expect_refused(dense, StatusCode::kCorruptFile,
                 "llama.expert_count = 1000000 does not match the router blk.0.ffn_gate_inp.weight (missing)");
}

// A norm retyped as Q4_0 still lies inside the file (it got shorter) and used to load,
// dequantizing float bytes as blocks: garbage out, exit 0.
TEST_F(CorruptModel, QuantizedNormIsRefused) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  img.find_tensor("output_norm.weight")->type = DType::kQ4_0;
  expect_refused(img, StatusCode::kCorruptFile,
                 "tensor \"output_norm.weight\" has type Q4_0; a 1-D weight must be F32, F16 or BF16");

  IMAGE_OR_FAIL(layer, "models/stories260K.gguf");
  layer.find_tensor("blk.3.ffn_norm.weight")->type = DType::kQ8_0;
  expect_refused(layer, StatusCode::kCorruptFile,
                 "tensor \"blk.3.ffn_norm.weight\" has type Q8_0; a 1-D weight must be F32, F16 or BF16");
}

TEST_F(CorruptModel, QuantizedBiasIsRefused) {
  IMAGE_OR_FAIL(img, "reference/logits/qwen2-tiny-Q4_K_M.gguf");
  img.find_tensor("blk.0.attn_k.bias")->type = DType::kQ4_0;
  expect_refused(img, StatusCode::kCorruptFile,
                 "tensor \"blk.0.attn_k.bias\" has type Q4_0; a 1-D weight must be F32, F16 or BF16");
}

// Two weights over the same bytes.
TEST_F(CorruptModel, OverlappingTensorsAreRefused) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  GgufTensorInfo* q = img.find_tensor("blk.0.attn_q.weight");
  const GgufTensorInfo* k = img.find_tensor("blk.0.attn_k.weight");
  q->offset = k->offset;
  const std::string at = std::to_string(k->offset);
  expect_refused(img, StatusCode::kCorruptFile,
                 "tensor \"blk.0.attn_q.weight\": data [" + at + ", " + std::to_string(k->offset + q->n_bytes) +
                     ") overlaps tensor \"blk.0.attn_k.weight\" at [" + at + ", " +
                     std::to_string(k->offset + k->n_bytes) + ") (offsets in the data section)");
}

// "Bleeding Llama": a tensor whose offset or size points past the file must never be
// read; the reader refuses it before a view is made.
TEST_F(CorruptModel, TensorDataPastTheFileIsRefused) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  GgufTensorInfo* t = img.find_tensor("output_norm.weight");
  t->offset = img.data.size();  // a whole tensor past the end
  const uint64_t begin = source_->data_offset() + t->offset;
  const std::string size = std::to_string(source_->file_size());
  expect_refused(img, StatusCode::kCorruptFile,
                 "tensor \"output_norm.weight\": data [" + std::to_string(begin) + ", " +
                     std::to_string(begin + 64 * sizeof(float)) + ") ends past end of file (size " + size + ")");

  t->offset = 0xFFFFFFFFFFFFFFE0ull;  // wraps around 2^64
  expect_refused(img, StatusCode::kCorruptFile,
                 "tensor \"output_norm.weight\": data [overflow, overflow) ends past end of file (size " + size + ")");

  // A grown shape: same offset, more bytes than are left.
  IMAGE_OR_FAIL(big, "models/stories260K.gguf");
  GgufTensorInfo* embd = big.find_tensor("token_embd.weight");
  embd->dims = {64, 512 * 1024};
  const uint64_t embd_begin = source_->data_offset() + embd->offset;
  expect_refused(big, StatusCode::kCorruptFile,
                 "tensor \"token_embd.weight\": data [" + std::to_string(embd_begin) + ", " +
                     std::to_string(embd_begin + 64 * 512 * 1024 * sizeof(float)) + ") ends past end of file (size " +
                     size + ")");
}

// A MoE file's dense feed_forward_length backs no tensor; found by fuzz_model_load, it
// used to size the context's FFN scratch (26 GB for this one).
TEST_F(CorruptModel, UncheckedFfnLengthOfAMoeFileSizesNothing) {
  IMAGE_OR_FAIL(img, "reference/logits/qwen3moe-tiny-F16.gguf");
  img.set("qwen3moe.feed_forward_length", u32(std::numeric_limits<int32_t>::max()));
  img.set("qwen3moe.expert_feed_forward_length", u32(256));
  img.set("qwen3moe.expert_shared_feed_forward_length", u32(std::numeric_limits<int32_t>::max()));
  Result<std::unique_ptr<Model>> m = load(img);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const int64_t before = max_rss_bytes();
  Result<std::unique_ptr<Context>> ctx = Context::create(**m, {16, 4, 1});
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  const int32_t ids[] = {1, 2, 3};
  ASSERT_TRUE((*ctx)->eval(ids, false).ok());
  const int64_t grown = max_rss_bytes() - before;
  EXPECT_LT(grown, 32 << 20) << "peak RSS grew by " << grown << " bytes";
}

TEST_F(CorruptModel, CountsThatAreNotPositive32BitAreRefused) {
  IMAGE_OR_FAIL(img, "models/stories260K.gguf");
  img.set("llama.attention.head_count", GgufMetaValue::of_uint(GgufType::kUint64, 1ull << 40));
  expect_refused(img, StatusCode::kCorruptFile,
                 "metadata llama.attention.head_count = 1099511627776 is not a positive 32-bit count");
  img.set("llama.attention.head_count", GgufMetaValue::of_int(GgufType::kInt32, -8));
  expect_refused(img, StatusCode::kCorruptFile,
                 "metadata llama.attention.head_count = -8 is not a positive 32-bit count");
}

}  // namespace
}  // namespace herd
