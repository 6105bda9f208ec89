// eventstore/kafka/ack_tracker.h
// Which log positions the broker has fully acknowledged. The relay sends
// positions in order, one or more messages each (the event, and for a paid
// order the data-platform message too); acknowledgements come back in any
// order across partitions. acked() is the highest position P such that every
// message of every position <= P is acknowledged: the only safe checkpoint.
//
// Not thread-safe: the relay calls it from its own thread (librdkafka's
// delivery reports are served by poll() on that thread).
#pragma once

#include <cassert>
#include <cstdint>
#include <deque>

#include "eventstore/event_store.h"

namespace eventmart {

class AckTracker {
 public:
  explicit AckTracker(GlobalPosition acked = 0) : acked_(acked) {}

  // Starts over after `acked`, forgetting everything in flight.
  void Reset(GlobalPosition acked) {
    acked_ = acked;
    outstanding_.clear();
    in_flight_ = 0;
  }

  // `position` must be the next one: acked() + positions in flight + 1.
  // `event_ms` is kept for TimeOf().
  void Sent([[maybe_unused]] GlobalPosition position, std::uint32_t messages, std::int64_t event_ms = 0) {
    assert(position == sent() + 1);
    outstanding_.push_back({messages, event_ms});
    in_flight_ += messages;
    Advance();
  }

  // One message of `position` was acknowledged. Unknown positions (already
  // forgotten by Reset) are ignored and return false.
  bool Acked(GlobalPosition position) {
    if (position <= acked_ || position > acked_ + outstanding_.size()) return false;
    auto& left = outstanding_[position - acked_ - 1].messages;
    if (left == 0) return false;
    --left;
    --in_flight_;
    Advance();
    return true;
  }

  // The event time given to Sent(), for a position still tracked; else 0.
  std::int64_t TimeOf(GlobalPosition position) const {
    if (position <= acked_ || position > acked_ + outstanding_.size()) return 0;
    return outstanding_[position - acked_ - 1].event_ms;
  }

  GlobalPosition acked() const { return acked_; }
  GlobalPosition sent() const { return acked_ + outstanding_.size(); }
  std::uint64_t in_flight() const { return in_flight_; }  // messages, not positions

 private:
  void Advance() {
    while (!outstanding_.empty() && outstanding_.front().messages == 0) {
      outstanding_.pop_front();
      ++acked_;
    }
  }

  struct InFlight {
    std::uint32_t messages;  // left to acknowledge
    std::int64_t event_ms;
  };
  GlobalPosition acked_;
  std::deque<InFlight> outstanding_;  // for acked_+1, acked_+2, ...
  std::uint64_t in_flight_ = 0;
};

}  // namespace eventmart
