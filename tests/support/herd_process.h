// Runs the herd binary (or any command) as a real process and collects what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace herd::testing {

struct Outcome {
  int exit_code = -1;  // 128 + signal when a signal ended it
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `program args...` through the shell, with `env` ("NAME=value") set for it and stdout and
// stderr captured in files under `scratch`.
inline Outcome run_process(const std::string& program, const std::vector<std::string>& args,
                           const std::filesystem::path& scratch, const std::vector<std::string>& env = {}) {
  std::string cmd;
  for (const auto& e : env) cmd += "export " + shell_quote(e) + "; ";
  cmd += shell_quote(program);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  const std::filesystem::path out = scratch / "stdout", err = scratch / "stderr";
  cmd += " </dev/null >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(cmd.c_str());
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

}  // namespace herd::testing
