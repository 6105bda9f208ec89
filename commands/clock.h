// commands/clock.h
// Where time comes from. Decisions get "now" as an argument; the command
// processor and the expiry scheduler read it from a Clock, so tests can
// move time instead of waiting.
#pragma once

#include <atomic>
#include <chrono>

#include "domain/ids.h"

namespace eventmart {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// Thread-safe; starts at `start_ms` and moves only when told.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start_ms) : now_(start_ms) {}
  TimeMs NowMs() const override { return now_.load(); }
  void Advance(TimeMs ms) { now_ += ms; }
  void Set(TimeMs ms) { now_ = ms; }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace eventmart
