// projections/projector.h
// Runs every projection on one thread: reads the log after the lowest
// checkpoint, folds each event into the projections that have not seen it,
// and writes the changes and the new checkpoints in one batch.
//
// Read your writes: WhenReached(p, ...) calls back once every projection
// has reached position p (queries wait for the position of the last
// acknowledged command), or with false once the deadline has passed.
//
// Thread safety: all public methods may be called from any thread.
// Callbacks run on the projector thread (or the caller's, if already
// reached); keep them short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace eventmart {

struct ProjectionStatus {
  std::string name;
  GlobalPosition position = 0;
  std::string state;  // "live", "catching-up", "failed"
};

class Projector {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  Projector(const EventStore& log, ReadModelStore& views,
            std::vector<std::unique_ptr<Projection>> projections);
  ~Projector();

  [[nodiscard]] Result<void> Start();
  void Stop();

  // The lowest checkpoint of all projections.
  GlobalPosition position() const { return position_.load(std::memory_order_acquire); }
  bool failed() const { return failed_.load(); }

  void WhenReached(GlobalPosition position, Deadline deadline, std::function<void(bool)> done);
  bool WaitFor(GlobalPosition position, std::chrono::milliseconds timeout);

  std::vector<ProjectionStatus> Statuses() const;

  // Applies everything up to the log's current end on the calling thread
  // (offline rebuilds and tests). Not while the thread runs.
  [[nodiscard]] Result<GlobalPosition> CatchUp(const std::function<void(GlobalPosition)>& progress = {},
                                               GlobalPosition up_to = ~GlobalPosition{0});

  static std::string CheckpointKey(std::string_view projection);

 private:
  struct Waiter {
    Deadline deadline;
    std::function<void(bool)> done;
  };

  void Run();
  Result<std::size_t> Step(std::size_t max_events, GlobalPosition up_to = ~GlobalPosition{0});
  void Notify(bool check_deadlines);

  const EventStore& log_;
  ReadModelStore& views_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<GlobalPosition> checkpoints_;  // projector thread only

  std::atomic<GlobalPosition> position_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex waiters_mu_;
  std::condition_variable reached_cv_;
  std::multimap<GlobalPosition, Waiter> waiters_;
  std::string failure_;
};

}  // namespace eventmart
