// Tensor binding: shapes and types checked, 3-D expert tensors split per expert, fused
// tensors split into row views.
#include "model/weight_loader.h"

#include <gtest/gtest.h>

#include "tiny_model.h"

namespace herd {
namespace {

class WeightLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<float> experts(4 * 3 * 2);
    for (size_t i = 0; i < experts.size(); ++i) experts[i] = static_cast<float>(i);
    model_.tensor("exps", {4, 3, 2}, experts);
    model_.tensor("mat", {4, 6}, std::vector<float>(experts.begin(), experts.end()));
    model_.tensor("vec", {5}, {1, 2, 3, 4, 5});
    bytes_ = model_.bytes();
    Result<std::unique_ptr<GgufFile>> f = GgufFile::parse(bytes_);
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    file_ = std::move(f).value();
  }

  test::TinyModel model_{"llama"};
  std::vector<uint8_t> bytes_;
  std::unique_ptr<GgufFile> file_;
};

TEST_F(WeightLoaderTest, ExpertsAreViewsOfOneTensor) {
  const WeightLoader load(*file_);
  Result<std::vector<WeightMatrix>> e = load.experts("exps", 4, 3, 2);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  ASSERT_EQ(e->size(), 2u);
  float row[4];
  weight_row_to_f32((*e)[1], 2, row);  // expert 1, row 2: elements 12 + 8 .. 12 + 11
  EXPECT_EQ(row[0], 20.0f);
  EXPECT_EQ(row[3], 23.0f);
  EXPECT_EQ((*e)[1].n_rows, 3);
  Result<std::vector<WeightMatrix>> bad = load.experts("exps", 4, 3, 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().to_string().find("expected [4, 3, 3]"), std::string::npos);
  EXPECT_FALSE(load.matrix("exps", 4, 6).ok());  // a 3-D tensor is not a matrix
}

TEST_F(WeightLoaderTest, RowSlices) {
  const WeightLoader load(*file_);
  Result<WeightMatrix> m = load.matrix("mat", 4, 6);
  ASSERT_TRUE(m.ok());
  const WeightMatrix tail = row_slice(*m, 4, 2);
  EXPECT_EQ(tail.n_rows, 2);
  float row[4];
  weight_row_to_f32(tail, 1, row);  // row 5 of the whole
  EXPECT_EQ(row[0], 20.0f);
}

TEST_F(WeightLoaderTest, VectorsAndMissingTensors) {
  const WeightLoader load(*file_);
  Result<std::vector<float>> v = load.vector("vec", 5);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[4], 5.0f);
  EXPECT_EQ(load.vector("vec", 4).status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(load.vector("mat", 24).status().code(), StatusCode::kCorruptFile);  // 2-D is not a vector
  Result<WeightMatrix> missing = load.matrix("nope.weight", 4, 4);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().to_string().find("\"nope.weight\""), std::string::npos);
  EXPECT_TRUE(load.has("vec"));
  EXPECT_FALSE(load.has("nope.weight"));
}

}  // namespace
}  // namespace herd
