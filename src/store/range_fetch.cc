#include "store/range_fetch.h"

#include <charconv>
#include <chrono>
#include <thread>

#include "store/http_fetch.h"

namespace herd::store {
namespace {

bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool cancelled(const RangeJob& job) { return job.cancel != nullptr && job.cancel->load(); }

// Sleeps before a retry, waking early when the job is cancelled.
void back_off(const RangeJob& job, int fruitless) {
  const int64_t ms = std::min<int64_t>(8000, int64_t(job.options->backoff_ms) << std::min(fruitless, 6));
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until && !cancelled(job)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Checks the first answer of an attempt against what was asked: where the bytes start and how
// many the whole has. May restart the file (a 200 to a Range request on a whole blob).
Status check_answer(const RangeJob& job, const HttpResponse& r, bool ranged, uint64_t start, PartialFile& file,
                    std::optional<uint64_t>* length) {
  if (r.status == 206) {
    uint64_t a = 0, b = 0;
    std::optional<uint64_t> total;
    if (!parse_content_range(r.header("content-range"), &a, &b, &total)) {
      return corrupt_file("a 206 answer without a valid Content-Range");
    }
    if (a != start) {
      return corrupt_file("asked for bytes from " + std::to_string(start) + ", got bytes from " + std::to_string(a));
    }
    if (job.whole_blob && total) {
      if (*length && **length != *total) {
        return corrupt_file("the server's blob has " + std::to_string(*total) + " bytes, not the expected " +
                            std::to_string(**length));
      }
      *length = total;
    }
    return Status();
  }
  if (ranged) {
    // The server ignored the Range: this body starts at byte 0.
    if (!job.whole_blob) return unsupported("the server ignores Range requests");
    HERD_RETURN_IF_ERROR(file.restart(job.part));
  }
  uint64_t content_length = 0;
  if (job.whole_blob && parse_u64(r.header("content-length"), &content_length)) {
    if (*length && **length != content_length) {
      return corrupt_file("the server's blob has " + std::to_string(content_length) + " bytes, not the expected " +
                          std::to_string(**length));
    }
    *length = content_length;
  }
  return Status();
}

// One request: continues the file from its size.
Status attempt(const RangeJob& job, PartialFile& file, RangeOutcome* outcome, std::optional<uint64_t>* length) {
  HttpRequest req;
  req.url = job.source->url;
  req.bearer_token = job.source->bearer_token;
  req.connect_timeout_s = job.options->connect_timeout_s;
  req.stall_timeout_s = job.options->stall_timeout_s;
  req.cancel = job.cancel;
  const uint64_t start = job.first + file.written(job.part);
  const bool ranged = file.written(job.part) > 0 || !job.whole_blob;
  if (ranged) {
    req.range_first = start;
    if (!job.whole_blob && *length) req.range_last = job.first + **length - 1;
  }
  bool checked = false;
  HERD_ASSIGN_OR_RETURN(
      const HttpResponse response, http_fetch(req, [&](const HttpResponse& r, std::string_view bytes) -> Status {
        if (!checked) {
          checked = true;
          outcome->linked_etag = r.header_any_hop("x-linked-etag");
          HERD_RETURN_IF_ERROR(check_answer(job, r, ranged, start, file, length));
        }
        if (*length && file.written(job.part) + bytes.size() > **length) {
          return corrupt_file("the server sent more than the expected " + std::to_string(**length) + " bytes");
        }
        HERD_RETURN_IF_ERROR(file.append(job.part, bytes));
        if (job.options->on_bytes) job.options->on_bytes(bytes.size(), false);
        return Status();
      }));
  if (response.status == 416 && ranged && job.whole_blob) {
    // What tmp/ holds is not a prefix the server can continue (the blob is shorter): start over,
    // unless the server says its blob has another size than the one we expect.
    uint64_t a = 0;
    const std::string cr = response.header("content-range");
    if (*length && cr.rfind("bytes */", 0) == 0 && parse_u64(std::string_view(cr).substr(8), &a) && a != **length) {
      return corrupt_file("the server's blob has " + std::to_string(a) + " bytes, not the expected " +
                          std::to_string(**length));
    }
    HERD_RETURN_IF_ERROR(file.restart(job.part));
    return unavailable("the server refused to continue at byte " + std::to_string(start));
  }
  if (response.status < 200 || response.status >= 300) return status_error("GET " + job.source->url, response);
  if (response.status == 204) return corrupt_file("GET " + job.source->url + ": no content");
  if (*length && file.written(job.part) < **length) {
    return unavailable("the download ended after " + std::to_string(file.written(job.part)) + " of " +
                       std::to_string(**length) + " bytes");
  }
  return Status();
}

}  // namespace

bool parse_content_range(std::string_view value, uint64_t* first, uint64_t* last, std::optional<uint64_t>* total) {
  if (value.rfind("bytes ", 0) != 0) return false;
  value.remove_prefix(6);
  const size_t dash = value.find('-'), slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) return false;
  if (!parse_u64(value.substr(0, dash), first) || !parse_u64(value.substr(dash + 1, slash - dash - 1), last)) {
    return false;
  }
  if (*last < *first) return false;
  const std::string_view t = value.substr(slash + 1);
  if (t == "*") {
    total->reset();
    return true;
  }
  uint64_t n = 0;
  if (!parse_u64(t, &n) || n <= *last) return false;
  *total = n;
  return true;
}

Status fetch_range(const RangeJob& job, PartialFile& file, RangeOutcome* outcome) {
  std::optional<uint64_t> length = job.length;
  if (length && file.written(job.part) > *length) HERD_RETURN_IF_ERROR(file.restart(job.part));
  if (file.written(job.part) > 0 && job.options->on_bytes) job.options->on_bytes(file.written(job.part), true);
  // Only bytes past the furthest point reached count as progress, so that a server that keeps
  // forcing restarts still runs out of attempts.
  uint64_t furthest = file.written(job.part);
  int fruitless = 0;
  for (;;) {
    if (length && file.written(job.part) == *length) return Status();
    Status s = attempt(job, file, outcome, &length);
    if (s.ok()) return s;
    if (s.code() != StatusCode::kUnavailable || cancelled(job)) return s;
    if (file.written(job.part) > furthest) {
      furthest = file.written(job.part);
      fruitless = 0;
    } else if (++fruitless >= job.options->max_attempts) {
      return s;
    }
    back_off(job, fruitless);
    if (cancelled(job)) return unavailable("download cancelled");
  }
}

}  // namespace herd::store
