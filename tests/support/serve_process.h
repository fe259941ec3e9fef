// `herd serve` as a child process for the CLI tests, its stderr on a pipe, with extra
// environment variables (HERD_HOME, keys) if asked. Waits are hang guards, never
// measurements.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <utility>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.h"

namespace herd::testing {

using Env = std::vector<std::pair<std::string, std::string>>;  // extra environment

// One request on its own connection to a served process: (status, body); (0, "") when
// no whole response came within the guard. An empty `body` sends a GET.
inline std::pair<int, std::string> http_call(int port, const std::string& path, const std::string& body = "",
                                             std::chrono::milliseconds guard = std::chrono::seconds(120)) {
  RawClient c(port);
  if (!c.ok()) return {0, ""};
  std::string head = (body.empty() ? "GET " : "POST ") + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!body.empty()) head += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  c.send(head + "\r\n" + body);
  const std::string response = c.read_response(guard);
  const size_t head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return {0, ""};
  return {status_of(response), response.substr(head_end + 4)};
}

// A running `herd serve` with its stderr on a pipe.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args, const Env& env = {}) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(HERD_BIN));
      argv.push_back(const_cast<char*>("serve"));
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(HERD_BIN, argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0 && exit_code_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) close(err_fd_);
  }

  // Reads stderr until `needle` appears (true) or the process closes it.
  bool wait_for(const std::string& needle, std::chrono::milliseconds guard = std::chrono::seconds(60)) {
    const auto end = std::chrono::steady_clock::now() + guard;
    while (err_.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > end) return false;
      pollfd p{err_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(err_fd_, buf, sizeof buf);
      if (n <= 0) return err_.find(needle) != std::string::npos;
      err_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  int port() const {
    const size_t at = err_.find("listening on http://");
    if (at == std::string::npos) return 0;
    const size_t colon = err_.find("]:", at) != std::string::npos ? err_.find("]:", at) + 1 : err_.find(':', at + 20);
    return std::stoi(err_.substr(colon + 1));
  }

  // The exit code (128 + signal when killed), or -1 when it did not end within the guard.
  int wait_exit(std::chrono::milliseconds guard = std::chrono::seconds(60)) {
    const auto end = std::chrono::steady_clock::now() + guard;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        wait_for("\x01", std::chrono::seconds(1));  // collect the rest of stderr
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  void signal(int sig) { kill(pid_, sig); }
  const std::string& err() const { return err_; }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
  int exit_code_ = -1;
};

}  // namespace herd::testing
