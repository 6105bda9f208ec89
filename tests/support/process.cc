#include "tests/support/process.h"

#include <sys/prctl.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace eventmart::testing {

Process::Process(std::vector<std::string> argv, std::string stderr_path) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    // If the test dies without reaping us (an abort), don't outlive it:
    // an orphan holding the output pipe would make CTest wait for its timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    if (!stderr_path.empty()) {
      int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
    }
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::close(pipe_fds[1]);
  out_fd_ = pipe_fds[0];
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Process::ReadLine(std::string* line, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto nl = pending_.find('\n');
    if (nl != std::string::npos) {
      *line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

void Process::Signal(int signal) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

int Process::Wait() {
  if (pid_ <= 0) return -1;
  if (!reaped_) {
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

RunResult Run(const std::vector<std::string>& argv) {
  std::string err_path = TempDir("run-stderr") + "/stderr";
  RunResult result;
  {
    Process p(argv, err_path);
    std::string line;
    while (p.ReadLine(&line, 120'000)) result.out += line + "\n";
    result.exit_code = p.Wait();
  }
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  result.err = ss.str();
  return result;
}

int StartServer(Process& server) {
  std::string line;
  while (server.ReadLine(&line, 60'000)) {
    auto at = line.find("listening on http://");
    if (at == std::string::npos) continue;
    return std::atoi(line.c_str() + line.rfind(':') + 1);
  }
  return 0;
}

namespace {

// The folders TempDir made, removed when the test binary exits: left
// behind, one run of the suite leaves ~2 GB in /tmp. Set
// EVENTMART_KEEP_TEST_DIRS=1 to keep them for a look after a failure.
class MadeDirs {
 public:
  ~MadeDirs() {
    if (std::getenv("EVENTMART_KEEP_TEST_DIRS") != nullptr) return;
    for (const auto& dir : dirs_) {
      std::error_code ignored;  // a folder already gone, or still busy: nothing to do at exit
      std::filesystem::remove_all(dir, ignored);
    }
  }
  std::filesystem::path Make(const std::string& name) {
    std::lock_guard lock(mu_);
    auto dir = std::filesystem::temp_directory_path() / ("eventmart-test-" + std::to_string(::getpid()) + "-" +
                                                         std::to_string(dirs_.size()) + "-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    dirs_.push_back(dir);
    return dir;
  }

 private:
  std::mutex mu_;
  std::vector<std::filesystem::path> dirs_;
};

}  // namespace

std::string TempDir(const std::string& name) {
  static MadeDirs made;
  return made.Make(name).string();
}

}  // namespace eventmart::testing
