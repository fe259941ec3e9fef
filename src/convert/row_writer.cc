#include "convert/row_writer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "tensor/quant_ref.h"

namespace herd {
namespace {

// About this many bytes of converted rows are produced before each write.
constexpr int64_t kChunkFloats = 4 << 20;

}  // namespace

Status check_writable(DType type) {
  if (!dtype_has_ref(type)) {
    return unsupported("tensor type " + std::string(dtype_name(type)) + " is not supported yet (no quantizer)");
  }
  return Status();
}

Status write_rows(GgufWriter& writer, ThreadPool& pool, DType type, int64_t row_len, int64_t n_rows,
                  const RowProducer& produce) {
  HERD_RETURN_IF_ERROR(check_writable(type));
  const std::optional<uint64_t> row_bytes = dtype_row_bytes(type, static_cast<uint64_t>(row_len));
  if (!row_bytes || row_len <= 0) {
    return invalid_argument("row length " + std::to_string(row_len) + " is not whole blocks of " +
                            std::string(dtype_name(type)));
  }
  const int64_t chunk_rows = std::max<int64_t>(1, std::min<int64_t>(n_rows, kChunkFloats / row_len));
  std::vector<uint8_t> out(static_cast<size_t>(chunk_rows) * *row_bytes);
  std::vector<std::vector<float>> scratch(pool.size());
  for (int64_t first = 0; first < n_rows; first += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, n_rows - first);
    pool.run([&](int ith, int nth) {
      int64_t begin = 0, end = 0;
      split_range(rows, ith, nth, &begin, &end);
      if (begin == end) return;
      std::vector<float>& row = scratch[ith];
      row.resize(static_cast<size_t>(row_len));
      for (int64_t r = begin; r < end; ++r) {
        produce(first + r, row.data());
        quantize_row_ref(type, row.data(), out.data() + r * *row_bytes, row_len);
      }
    });
    HERD_RETURN_IF_ERROR(writer.write(out.data(), static_cast<size_t>(rows) * *row_bytes));
  }
  return Status();
}

}  // namespace herd
