#include "gateway/gateway_home.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace herd::gateway {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

bool is_postgres_uri(const std::string& where) {
  return where.rfind("postgres://", 0) == 0 || where.rfind("postgresql://", 0) == 0;
}

// mkdir -p, new directories owner-only: the home holds the secret and every key's hash.
Status make_directories(const std::string& dir) {
  if (dir.empty()) return Status();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status();
    return invalid_argument(dir + ": not a directory");
  }
  const size_t slash = dir.find_last_of('/', dir.size() > 1 ? dir.size() - 2 : 0);
  if (slash != std::string::npos && slash > 0) HERD_RETURN_IF_ERROR(make_directories(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("creating " + dir + ": " + std::strerror(errno));
  }
  return Status();
}

bool lies_in(const std::string& path, const std::string& dir) {
  return !dir.empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (path[dir.size()] == '/' || dir.back() == '/');
}

}  // namespace

GatewayLocation resolve_gateway_location(const std::string& home, const std::string& db_flag,
                                         const std::string& secret_flag) {
  GatewayLocation loc;
  loc.home = home;
  const std::string base = home.empty() || home.back() == '/' ? home : home + "/";
  loc.db = !db_flag.empty() ? db_flag : env_or("HERD_GATEWAY_DB", base + "gateway.db");
  loc.secret_file = !secret_flag.empty() ? secret_flag : env_or("HERD_GATEWAY_SECRET_FILE", base + "gateway.secret");
  return loc;
}

Result<OpenedGateway> open_gateway(const GatewayLocation& where) {
  if (lies_in(where.secret_file, where.home) || (!is_postgres_uri(where.db) && lies_in(where.db, where.home))) {
    HERD_RETURN_IF_ERROR(make_directories(where.home));
  }
  HERD_ASSIGN_OR_RETURN(KeyHasher hasher, KeyHasher::load_or_create(where.secret_file));
  const std::string what = is_postgres_uri(where.db) ? std::string("the PostgreSQL gateway database")
                                                     : "the gateway database " + where.db;
  Result<std::unique_ptr<GatewayDb>> db = open_gateway_db(where.db);
  if (!db.ok()) return db.status().with_context("opening " + what);
  if (Status s = (*db)->migrate(hasher.check_value()); !s.ok()) {
    if (s.code() == StatusCode::kInvalidArgument) {
      return invalid_argument(what + " was made under another secret than " + where.secret_file +
                              " (replicas must share the secret file)");
    }
    return s.with_context("preparing " + what);
  }
  return OpenedGateway{std::move(db).value(), hasher};
}

}  // namespace herd::gateway
