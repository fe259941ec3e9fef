#include "gateway/price_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/json_limits.h"
#include "gateway/model_name.h"

namespace herd::gateway {
namespace {

Result<std::string> read_bounded(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return io_error(path + ": " + std::strerror(errno));
  std::string text;
  struct stat st {};
  Status s;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    s = invalid_argument(path + ": not a regular file");
  } else {
    char buf[1 << 14];
    for (;;) {
      const ssize_t r = ::read(fd, buf, sizeof(buf));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        s = io_error(path + ": " + std::strerror(errno));
        break;
      }
      if (r == 0) break;
      text.append(buf, static_cast<size_t>(r));
      if (text.size() > kMaxPriceFileBytes) {
        s = invalid_argument(path + ": larger than " + std::to_string(kMaxPriceFileBytes) + " bytes");
        break;
      }
    }
  }
  ::close(fd);
  if (!s.ok()) return s;
  return text;
}

}  // namespace

Result<Price> price_from_text(std::string_view input, std::string_view cached_input, std::string_view output) {
  Price p;
  HERD_ASSIGN_OR_RETURN(p.input, parse_amount(input, "input price"));
  HERD_ASSIGN_OR_RETURN(p.output, parse_amount(output, "output price"));
  if (cached_input.empty()) {
    p.cached_input = p.input;
  } else {
    HERD_ASSIGN_OR_RETURN(p.cached_input, parse_amount(cached_input, "cached input price"));
  }
  return p;
}

Result<PriceList> parse_price_file(std::string_view text) {
  JsonLimits limits;
  limits.subject = "the price file";
  limits.max_depth = 2;
  HERD_ASSIGN_OR_RETURN(nlohmann::json json, parse_json_object<nlohmann::json>(text, limits));
  PriceList prices;
  for (const auto& [model, entry] : json.items()) {
    HERD_RETURN_IF_ERROR(validate_model_name(model, "the price file"));
    const std::string where = "the price file: " + model;
    if (!entry.is_object()) return invalid_argument(where + ": must be an object of prices");
    std::string amounts[3];
    const char* const kFields[3] = {"input", "cached_input", "output"};
    for (const auto& [field, v] : entry.items()) {
      int i = 0;
      while (i < 3 && field != kFields[i]) ++i;
      if (i == 3) return invalid_argument(where + ": unknown field \"" + field.substr(0, 64) + "\"");
      // Text, so "0.15" is exactly 0.15 and never a float's neighbour.
      if (!v.is_string()) return invalid_argument(where + ": \"" + field + "\" must be decimal text like \"0.15\"");
      amounts[i] = v.get<std::string>();
      if (amounts[i].empty()) return invalid_argument(where + ": \"" + field + "\" is empty");
    }
    if (!entry.contains("input") || !entry.contains("output")) {
      return invalid_argument(where + ": needs \"input\" and \"output\"");
    }
    Result<Price> price = price_from_text(amounts[0], amounts[1], amounts[2]);
    if (!price.ok()) return price.status().with_context(where);
    prices.emplace_back(model, *price);
  }
  return prices;
}

Result<PriceList> load_price_file(GatewayDb& db, const std::string& path) {
  HERD_ASSIGN_OR_RETURN(std::string text, read_bounded(path));
  Result<PriceList> prices = parse_price_file(text);
  if (!prices.ok()) return prices.status().with_context(path);
  for (const auto& [model, price] : *prices) HERD_RETURN_IF_ERROR(db.set_price(model, price));
  return prices;
}

}  // namespace herd::gateway
