// eventstore/kafka/reorder_buffer.h
// Puts events that arrive from many partitions back in log order. Kafka
// keeps order per partition only; positions are global and gap-free, so
// the next event to apply is always released() + 1, and anything after it
// waits here. Not thread-safe (the feed's consumer thread owns it).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "eventstore/event_store.h"

namespace eventmart {

struct FeedEntry {
  RecordedEvent event;
  std::size_t partition = 0;  // the feed's index of the partition it came from
  std::int64_t offset = 0;
};

class ReorderBuffer {
 public:
  explicit ReorderBuffer(GlobalPosition released = 0) : released_(released) {}

  // Keeps `entry` until its turn. False (and nothing kept) for a duplicate:
  // a position already released or already waiting.
  bool Add(FeedEntry entry) {
    GlobalPosition p = entry.event.position;
    if (p <= released_) return false;
    return waiting_.try_emplace(p, std::move(entry)).second;
  }

  // Removes and returns the run released()+1, released()+2, ... (at most
  // `max` entries), and counts them as released.
  std::vector<FeedEntry> TakeRun(std::size_t max) {
    std::vector<FeedEntry> run;
    for (auto it = waiting_.begin(); it != waiting_.end() && run.size() < max && it->first == released_ + 1;) {
      run.push_back(std::move(it->second));
      it = waiting_.erase(it);
      ++released_;
    }
    return run;
  }

  GlobalPosition released() const { return released_; }
  std::size_t size() const { return waiting_.size(); }

 private:
  GlobalPosition released_;
  std::map<GlobalPosition, FeedEntry> waiting_;
};

}  // namespace eventmart
