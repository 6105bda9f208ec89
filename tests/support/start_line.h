// tests/support/start_line.h
// Releases every waiting thread at once, so that requests really race.
#pragma once

#include <condition_variable>
#include <mutex>

namespace eventmart::testing {

class StartLine {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return go_; });
  }
  void Go() {
    {
      std::lock_guard lock(mu_);
      go_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool go_ = false;
};

}  // namespace eventmart::testing
