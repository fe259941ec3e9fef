// Status and Result<T>: how library code reports anything a user or a file can get wrong.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace herd {

enum class StatusCode {
  kOk,
  kInvalidArgument,   // a bad argument or request
  kNotFound,          // a missing file, key or tensor
  kIoError,           // the operating system refused
  kCorruptFile,       // a file whose bytes break its format
  kUnsupported,       // well-formed, but not something herd can run
  kOutOfRange,        // a value past a limit (context full, id past vocab)
  kResourceExhausted, // out of memory or disk, a full queue
  kUnavailable,       // not now: shutting down or still loading
  kInternal,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt file: tensor 3 offset past end of file"
  std::string to_string() const;

  // Adds context in front: "reading foo.gguf: <message>".
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status corrupt_file(std::string m) { return {StatusCode::kCorruptFile, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace herd

#define HERD_CONCAT_INNER(a, b) a##b
#define HERD_CONCAT(a, b) HERD_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when it is not ok.
#define HERD_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::herd::Status herd_status_ = (expr);     \
    if (!herd_status_.ok()) return herd_status_; \
  } while (0)

// HERD_ASSIGN_OR_RETURN(auto x, make_x()); returns the error Status when make_x fails.
#define HERD_ASSIGN_OR_RETURN(lhs, expr) \
  HERD_ASSIGN_OR_RETURN_IMPL(HERD_CONCAT(herd_result_, __LINE__), lhs, expr)
#define HERD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
