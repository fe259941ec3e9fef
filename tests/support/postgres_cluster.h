// A throwaway PostgreSQL cluster for tests: initdb under a fresh temp directory, listening
// only on a unix socket in that directory (no TCP port), fsync on, stopped and removed when
// the test process ends. One cluster per test process, started on first use (initdb takes
// a second or two); each test takes a database of its own with create_database().
//
// Cleanup survives a crashed or killed test process: a watchdog child holds the read end
// of a pipe whose write end only this process has; when the pipe closes (normal exit or
// death alike) the watchdog stops the server and removes the directory.
//
// Under ctest every test case is a process of its own, so one cluster serves them all: the
// CTest fixture `postgres` starts it (herd_test_postgres start DIR, no watchdog), passes
// its directory in $HERD_TEST_PG_DIR, and stops it at the end (herd_test_postgres stop).
//
// PostgreSQL comes from Debian (scripts/install_deps.sh installs it). Not installed: the
// cluster reports why, and tests FAIL with that message (never skip silently).
#pragma once

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "herd_process.h"

namespace herd::testing {

class PostgresCluster {
 public:
  // The process's cluster, started on the first call. Check ok() before using it.
  static PostgresCluster& shared() {
    static PostgresCluster cluster;
    static std::once_flag started;
    std::call_once(started, [] {
      const char* running = std::getenv("HERD_TEST_PG_DIR");
      if (running != nullptr && *running != '\0') {
        cluster.attach(running);
      } else {
        cluster.start();
      }
    });
    return cluster;
  }

  // The CTest fixture's cluster, started in `dir` (made here) to outlive this process;
  // "" on success, else why not.
  static std::string start_detached(const std::string& dir) {
    PostgresCluster c;
    c.start_in(dir, /*watchdog=*/false);
    return c.error_;
  }
  // Stops the cluster in `dir` (if one runs) and removes the directory.
  static void stop_detached(const std::string& dir) {
    PostgresCluster c;
    c.bin_ = find_bin_dir();
    c.dir_ = dir;
    if (!c.bin_.empty() && std::filesystem::exists(dir + "/data")) {
      c.run_as_postgres(c.bin_ + "/pg_ctl", {"-D", dir + "/data", "-m", "immediate", "-w", "stop"});
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // A new empty database named so that no other test process takes it; its URI, or ""
  // with last_command_error() set.
  std::string fresh_database_uri() {
    static std::atomic<int> next{0};
    return create_database("t" + std::to_string(::getpid()) + "_" + std::to_string(next++));
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& socket_dir() const { return dir_; }

  // A libpq URI for `database` over the cluster's socket; `options` (already URI-encoded,
  // e.g. "-csearch_path%3Ds1") are passed to the server.
  std::string uri(const std::string& database, const std::string& options = "") const {
    std::string u = "postgresql:///" + database + "?host=" + dir_ + "&user=postgres";
    if (!options.empty()) u += "&options=" + options;
    return u;
  }

  // Creates an empty database (name: [a-z0-9_]); returns its URI, or "" with
  // last_command_error() set.
  std::string create_database(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    Outcome o = run_as_postgres(bin_ + "/createdb", {"-h", dir_, "-U", "postgres", name});
    if (o.exit_code != 0) {
      last_command_error_ = "createdb " + name + " failed: " + o.err;
      return "";
    }
    return uri(name);
  }
  const std::string& last_command_error() const { return last_command_error_; }

  ~PostgresCluster() {
    if (watchdog_write_ >= 0) ::close(watchdog_write_);  // the watchdog stops and cleans up
    if (watchdog_ > 0) ::waitpid(watchdog_, nullptr, 0);
  }

 private:
  PostgresCluster() = default;

  // A cluster another process started and will stop.
  void attach(const std::string& dir) {
    bin_ = find_bin_dir();
    dir_ = dir;
    if (bin_.empty()) error_ = "PostgreSQL is not installed: run scripts/install_deps.sh";
    else if (!std::filesystem::exists(dir_ + "/.s.PGSQL.5432")) error_ = "no PostgreSQL cluster runs in " + dir_;
  }

  void start() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/herd-pg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      error_ = "cannot make a directory for the PostgreSQL cluster under " + pattern;
      return;
    }
    start_in(pattern, /*watchdog=*/true);
  }

  void start_in(const std::string& dir, bool watchdog) {
    bin_ = find_bin_dir();
    if (bin_.empty()) {
      error_ = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/install_deps.sh";
      return;
    }
    dir_ = dir;
    std::error_code mk;
    std::filesystem::create_directories(dir_, mk);
    // Only the postgres user (and root) may enter: the socket in it is the cluster's door.
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, mk);
    // initdb and the server refuse to run as root: they run as the postgres user, who
    // must own the directory.
    if (::geteuid() == 0) {
      const passwd* pg = ::getpwnam("postgres");
      if (pg == nullptr || ::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
        error_ = "running as root, but cannot hand " + dir_ + " to the postgres user";
        return;
      }
    }
    if (watchdog && !start_watchdog()) {
      error_ = "cannot start the cluster's cleanup watchdog";
      return;
    }
    Outcome init = run_as_postgres(bin_ + "/initdb", {"-D", dir_ + "/data", "-U", "postgres", "--auth=trust",
                                                      "-E", "UTF8", "--locale=C", "--no-sync"});
    if (init.exit_code != 0) {
      error_ = "initdb failed: " + init.err;
      return;
    }
    const std::string options = "-c listen_addresses='' -c unix_socket_directories=" + dir_ +
                                " -c max_connections=200";
    Outcome up = run_as_postgres(bin_ + "/pg_ctl", {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w",
                                                    "-t", "120", "-o", options, "start"});
    if (up.exit_code != 0) error_ = "pg_ctl start failed: " + up.err + " " + slurp(dir_ + "/server.log");
  }

  // A shell that waits for EOF on its stdin, then stops the server and removes the
  // directory. It ignores the signals a terminal sends the whole process group.
  bool start_watchdog() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    const std::string script = "trap '' INT TERM HUP PIPE; read -r _; " + as_postgres_prefix() +
                               shell_quote(bin_ + "/pg_ctl") + " -D " + shell_quote(dir_ + "/data") +
                               " -m immediate -w stop >/dev/null 2>&1; rm -rf " + shell_quote(dir_);
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return false;
    }
    if (pid == 0) {  // only async-signal-safe calls until exec
      ::dup2(fds[0], 0);
      ::close_range(3, ~0U, 0);  // holds no other pipe open (a test may wait for its EOF)
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[0]);
    watchdog_ = pid;
    watchdog_write_ = fds[1];
    return true;
  }

  static std::string find_bin_dir() {
    std::error_code ec;
    std::string best;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string bin = entry.path().string() + "/bin";
      if (std::filesystem::exists(bin + "/initdb") && std::filesystem::exists(bin + "/pg_ctl") &&
          (best.empty() || bin > best)) {
        best = bin;
      }
    }
    return best;
  }

  static std::string as_postgres_prefix() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }

  Outcome run_as_postgres(const std::string& program, std::vector<std::string> args) {
    std::filesystem::path scratch = dir_ + "/cmd";
    std::error_code ec;
    std::filesystem::create_directories(scratch, ec);
    if (::geteuid() != 0) return run_process(program, args, scratch);
    args.insert(args.begin(), {"-u", "postgres", "--", program});
    return run_process("runuser", args, scratch);
  }

  std::string bin_;
  std::string dir_;
  std::string error_;
  std::string last_command_error_;
  pid_t watchdog_ = -1;
  int watchdog_write_ = -1;
  std::mutex mu_;
};

}  // namespace herd::testing
