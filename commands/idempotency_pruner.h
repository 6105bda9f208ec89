// commands/idempotency_pruner.h
// Idempotency records (the first response to each Idempotency-Key) are kept
// for `retention` and then pruned: a repeat after that is a new request.
// The contract asks for at least 24 hours; `serve --idempotency-retention`
// sets it (at least a minute). Pruning runs every tenth of the retention
// (at most every minute), so a record lives between `retention` and that
// much longer, and the records on disk stop growing under a steady load.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "commands/clock.h"
#include "eventstore/rocks_event_store.h"

namespace eventmart {

class IdempotencyPruner {
 public:
  IdempotencyPruner(RocksEventStore& store, const Clock& clock, std::chrono::milliseconds retention);
  ~IdempotencyPruner();

  void Start();
  void Stop();

  // Prunes everything past the retention now; returns how many records.
  [[nodiscard]] Result<std::uint64_t> PruneNow();

  std::uint64_t pruned() const { return pruned_.load(std::memory_order_relaxed); }
  std::chrono::milliseconds retention() const { return retention_; }

 private:
  RocksEventStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds retention_;
  std::chrono::milliseconds interval_;
  std::atomic<std::uint64_t> pruned_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eventmart
