// GgufWriter: what it writes, GgufFile reads back unchanged; failures leave no file.
#include "gguf/gguf_writer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace herd {
namespace {

namespace fs = std::filesystem;

const std::string kShared = HERD_SHARED_DIR;

fs::path temp_path(const std::string& name) {
  return fs::path(::testing::TempDir()) / ("herd_writer_" + std::to_string(::getpid()) + "_" + name);
}

// Deep equality of two reader values (what a round trip must preserve).
bool same_value(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case GgufType::kString: return a.str == b.str;
    case GgufType::kFloat32:
    case GgufType::kFloat64: return std::memcmp(&a.f, &b.f, sizeof(double)) == 0;
    case GgufType::kArray:
      if (a.elem_type != b.elem_type || a.array.size() != b.array.size()) return false;
      for (size_t i = 0; i < a.array.size(); ++i) {
        if (!same_value(a.array[i], b.array[i])) return false;
      }
      return true;
    default: return a.u == b.u && a.i == b.i;
  }
}

// Copies a parsed file through the writer: every key and tensor, bytes unchanged.
Status copy_through_writer(const GgufFile& in, const std::string& out_path) {
  GgufWriter w;
  w.copy_metadata(in, [](std::string_view) { return false; });
  for (const GgufTensor& t : in.tensors()) HERD_RETURN_IF_ERROR(w.add_tensor(std::string(t.name), t.type, t.dims));
  HERD_RETURN_IF_ERROR(w.open(out_path));
  for (const GgufTensor& t : in.tensors()) {
    // In two pieces, to exercise streaming a tensor in parts.
    const uint64_t half = t.n_bytes / 2;
    HERD_RETURN_IF_ERROR(w.write(t.data, half));
    HERD_RETURN_IF_ERROR(w.write(t.data + half, t.n_bytes - half));
  }
  return w.finish();
}

void expect_same_file(const GgufFile& a, const GgufFile& b) {
  ASSERT_EQ(a.metadata().size(), b.metadata().size());
  for (size_t i = 0; i < a.metadata().size(); ++i) {
    EXPECT_EQ(a.metadata()[i].key, b.metadata()[i].key);
    EXPECT_TRUE(same_value(a.metadata()[i].value, b.metadata()[i].value)) << a.metadata()[i].key;
  }
  EXPECT_EQ(a.alignment(), b.alignment());
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const GgufTensor& x = a.tensors()[i];
    const GgufTensor& y = b.tensors()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.dims, y.dims);
    ASSERT_EQ(x.n_bytes, y.n_bytes);
    EXPECT_EQ(std::memcmp(x.data, y.data, x.n_bytes), 0) << x.name;
  }
}

GgufMetaValue u32v(uint32_t v) { return GgufMetaValue::of_uint(GgufType::kUint32, v); }

TEST(GgufWriter, EveryMetadataTypeRoundTrips) {
  GgufWriter w;
  w.set("a.u8", GgufMetaValue::of_uint(GgufType::kUint8, 250));
  w.set("a.i8", GgufMetaValue::of_int(GgufType::kInt8, -100));
  w.set("a.u16", GgufMetaValue::of_uint(GgufType::kUint16, 65000));
  w.set("a.i16", GgufMetaValue::of_int(GgufType::kInt16, -30000));
  w.set_u32("a.u32", 4000000000u);
  w.set_i32("a.i32", -2000000000);
  w.set_f32("a.f32", 0.25f);
  w.set_bool("a.bool", true);
  w.set_string("a.str", "héllo");
  w.set_u64("a.u64", 1ull << 60);
  w.set("a.i64", GgufMetaValue::of_int(GgufType::kInt64, -(1ll << 60)));
  w.set("a.f64", GgufMetaValue::of_float(GgufType::kFloat64, 1e300));
  w.set("a.strs", GgufMetaValue::of_array(GgufType::kString, {GgufMetaValue::of_string("x"),
                                                              GgufMetaValue::of_string(""),
                                                              GgufMetaValue::of_string("long string")}));
  w.set("a.nested", GgufMetaValue::of_array(
                        GgufType::kArray, {GgufMetaValue::of_array(GgufType::kUint32, {u32v(1), u32v(2)}),
                                           GgufMetaValue::of_array(GgufType::kUint32, {})}));
  w.set_string("a.replaced", "old");
  w.set_string("a.replaced", "new");
  w.set_string("a.removed", "gone");
  w.remove("a.removed");
  w.set_u32("general.alignment", 64);
  ASSERT_TRUE(w.add_tensor("t.f32", DType::kF32, {3, 2}).ok());
  ASSERT_TRUE(w.add_tensor("t.q8", DType::kQ8_0, {64}).ok());
  std::vector<float> f32 = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> q8(68);
  for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<uint8_t>(i * 7);

  const fs::path path = temp_path("types.gguf");
  EXPECT_EQ(w.header_bytes() % 64, 0u);
  ASSERT_TRUE(w.open(path).ok());
  EXPECT_TRUE(fs::exists(path.string() + ".partial"));
  ASSERT_TRUE(w.write(f32.data(), f32.size() * 4).ok());
  ASSERT_TRUE(w.write(q8.data(), q8.size()).ok());
  ASSERT_TRUE(w.finish().ok());
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  EXPECT_EQ(fs::file_size(path), w.total_bytes());

  auto f = GgufFile::open(path);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.metadata().size(), 16u);
  EXPECT_EQ(g.find("a.u8")->u, 250u);
  EXPECT_EQ(g.find("a.i8")->i, -100);
  EXPECT_EQ(g.find("a.u16")->u, 65000u);
  EXPECT_EQ(g.find("a.i16")->i, -30000);
  EXPECT_EQ(*g.get_int("a.u32"), 4000000000ll);
  EXPECT_EQ(*g.get_int("a.i32"), -2000000000ll);
  EXPECT_EQ(*g.get_float("a.f32"), 0.25);
  EXPECT_EQ(*g.get_bool("a.bool"), true);
  EXPECT_EQ(*g.get_string("a.str"), "héllo");
  EXPECT_EQ(g.find("a.u64")->u, 1ull << 60);
  EXPECT_EQ(g.find("a.i64")->i, -(1ll << 60));
  EXPECT_EQ(*g.get_float("a.f64"), 1e300);
  EXPECT_EQ(*g.get_string("a.replaced"), "new");
  EXPECT_EQ(g.find("a.removed"), nullptr);
  auto strs = g.get_array("a.strs", GgufType::kString);
  ASSERT_TRUE(strs.ok());
  ASSERT_EQ((*strs)->array.size(), 3u);
  EXPECT_EQ((*strs)->array[2].str, "long string");
  const GgufValue* nested = g.find("a.nested");
  ASSERT_NE(nested, nullptr);
  ASSERT_EQ(nested->array.size(), 2u);
  EXPECT_EQ(nested->array[0].array[1].u, 2u);
  EXPECT_TRUE(nested->array[1].array.empty());

  ASSERT_EQ(g.tensors().size(), 2u);
  EXPECT_EQ(g.tensors()[0].dims, (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(std::memcmp(g.tensors()[0].data, f32.data(), 24), 0);
  EXPECT_EQ(g.tensors()[1].type, DType::kQ8_0);
  EXPECT_EQ(g.tensors()[1].offset % 64, 0u);
  EXPECT_EQ(std::memcmp(g.tensors()[1].data, q8.data(), q8.size()), 0);
  fs::remove(path);
}

TEST(GgufWriter, RejectsBadTensorInfos) {
  GgufWriter w;
  EXPECT_FALSE(w.add_tensor("x", DType::kQ4_0, {31}).ok());       // not whole blocks
  EXPECT_FALSE(w.add_tensor("x", DType::kF32, {}).ok());          // no dims
  EXPECT_FALSE(w.add_tensor("x", DType::kF32, {1, 0}).ok());      // zero dim
  EXPECT_FALSE(w.add_tensor("x", DType::kF32, {1, 1, 1, 1, 1}).ok());
  EXPECT_TRUE(w.add_tensor("x", DType::kF32, {4}).ok());
  EXPECT_FALSE(w.add_tensor("x", DType::kF32, {4}).ok());         // duplicate
}

TEST(GgufWriter, FailuresLeaveNoFile) {
  const fs::path path = temp_path("fail.gguf");
  {  // Abandoned before finish.
    GgufWriter w;
    ASSERT_TRUE(w.add_tensor("x", DType::kF32, {4}).ok());
    ASSERT_TRUE(w.open(path).ok());
  }
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  EXPECT_FALSE(fs::exists(path));
  {  // Incomplete tensor at finish.
    GgufWriter w;
    ASSERT_TRUE(w.add_tensor("x", DType::kF32, {4}).ok());
    ASSERT_TRUE(w.open(path).ok());
    const float v[2] = {1, 2};
    ASSERT_TRUE(w.write(v, sizeof(v)).ok());
    EXPECT_EQ(w.finish().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  EXPECT_FALSE(fs::exists(path));
  {  // Too many bytes.
    GgufWriter w;
    ASSERT_TRUE(w.add_tensor("x", DType::kF32, {1}).ok());
    ASSERT_TRUE(w.open(path).ok());
    const float v[2] = {1, 2};
    EXPECT_EQ(w.write(v, sizeof(v)).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  {  // A directory that does not exist.
    GgufWriter w;
    Status s = w.open((fs::path(::testing::TempDir()) / "no_such_dir_herd" / "x.gguf").string());
    EXPECT_EQ(s.code(), StatusCode::kIoError) << s.to_string();
  }
}

// A file-size limit makes write() fail with EFBIG, as a full disk would with ENOSPC.
TEST(GgufWriter, DiskFullIsResourceExhaustedAndCleansUp) {
  const fs::path path = temp_path("full.gguf");
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 1 << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s;
  {
    GgufWriter w;
    ASSERT_TRUE(w.add_tensor("big", DType::kF32, {1 << 20}).ok());  // 4 MiB
    s = w.open(path);
    std::vector<float> data(1 << 20, 1.0f);
    if (s.ok()) s = w.write(data.data(), data.size() * 4);
    if (s.ok()) s = w.finish();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.to_string();
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
  EXPECT_FALSE(fs::exists(path));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> shared_ggufs() {
  std::vector<std::string> out;
  for (const std::string& dir : {kShared + "/models", kShared + "/models/vocab", kShared + "/reference/logits"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".gguf") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(GgufWriter, EverySharedFileCopiesUnchanged) {
  const std::vector<std::string> paths = shared_ggufs();
  ASSERT_FALSE(paths.empty()) << "no shared models under " << kShared;
  const fs::path out = temp_path("copy.gguf");
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    auto in = GgufFile::open(path);
    ASSERT_TRUE(in.ok()) << in.status().to_string();
    Status s = copy_through_writer(**in, out.string());
    ASSERT_TRUE(s.ok()) << s.to_string();
    auto back = GgufFile::open(out.string());
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    expect_same_file(**in, **back);
    // v3 files with tensors written by gguf-py / llama.cpp lay out exactly as this writer
    // does (without tensors, writers differ on padding the end of the header).
    if ((*in)->version() == 3 && !(*in)->tensors().empty()) {
      EXPECT_TRUE(read_all(path) == read_all(out.string())) << "bytes differ";
    }
  }
  fs::remove(out);
}

}  // namespace
}  // namespace herd
