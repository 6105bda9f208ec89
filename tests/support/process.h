// tests/support/process.h
// Runs the built binaries as a user would: a child process with its
// stdout captured, signalled and reaped by the test.
#pragma once

#include <string>
#include <vector>

namespace eventmart::testing {

class Process {
 public:
  // Starts `argv[0]` with arguments; stdout is piped to us, stderr to `stderr_path` (or inherited).
  Process(std::vector<std::string> argv, std::string stderr_path = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads one line of the child's stdout; false at EOF or after timeout_ms.
  bool ReadLine(std::string* line, int timeout_ms = 30'000);
  void Signal(int signal);
  // Waits for exit; returns the exit code, or 128+signal.
  int Wait();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  bool reaped_ = false;
  int status_ = 0;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a command to completion, capturing stdout and stderr.
RunResult Run(const std::vector<std::string>& argv);

// Starts `eventmart serve` on a free port; returns the port (0 on failure).
int StartServer(Process& server);

std::string TempDir(const std::string& name);

}  // namespace eventmart::testing
