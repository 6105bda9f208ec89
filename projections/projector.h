// projections/projector.h
// Runs every projection on one thread: reads the log after the lowest
// checkpoint, folds each event into the projections that have not seen it,
// and writes the changes and the new checkpoints in one batch.
//
// Read your writes: WhenReached(p, ...) calls back once every projection
// has reached position p (queries wait for the position of the last
// acknowledged command), or with false once the deadline has passed.
//
// Errors: an event a projection wants but this build cannot decode stops
// that projection at the event before it, with the cause in its status
// (state kFailed); the other projections go on, and position() is theirs.
// A failed rebuild (its copy cannot load, or meets such an event) is shown
// the same way on its projection, whose live copy keeps serving; the other
// rebuilds go on. An I/O
// error of the log or the read models stops the whole projector (every
// status kFailed). failed() is true in any of these cases (/readyz: 503).
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
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace eventmart {

// Errors of the projector's own requests (errors of the log and of the read
// models keep their own codes).
enum class ProjectorErrc {
  kUnknownProjection = 1,  // no projection has that name
  kProjectionFailed,       // CatchUp: a projection stopped on an event (detail: which, and why)
};

const std::error_category& ProjectorCategory();
inline std::error_code make_error_code(ProjectorErrc e) { return {static_cast<int>(e), ProjectorCategory()}; }

enum class ProjectionState {
  kLive,        // folding the log as it grows
  kCatchingUp,  // live, but more than 1000 events behind the log
  kRebuilding,  // a fresh copy is being built beside the live one
  kQueued,      // a rebuild is asked for and waits for the ones under way; the live copy serves
  kFailed,      // stopped; ProjectionStatus::error says why
};
// "live", "catching-up", "rebuilding", "queued", "failed": the text of the
// admin route.
std::string_view Name(ProjectionState state);

struct ProjectionStatus {
  std::string name;
  GlobalPosition position = 0;
  ProjectionState state = ProjectionState::kLive;
  GlobalPosition rebuild_position = 0;  // the shadow copy's, while rebuilding
  std::string error;                    // the cause, when failed
};

class Projector {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  Projector(const EventStore& log, ReadModelStore& views,
            std::vector<std::unique_ptr<Projection>> projections, ProjectionFactory factory = nullptr);
  ~Projector();

  [[nodiscard]] Result<void> Start();
  // Start's catch-up on the projector's own thread, so the server can listen
  // meanwhile: queries wait for it (WhenReached), /readyz says not ready. A
  // failure stops the projector as a failure while running would.
  void StartInBackground();
  void Stop();

  // The lowest checkpoint of all projections.
  GlobalPosition position() const { return position_.load(std::memory_order_acquire); }
  // The projector stopped, or a projection (or its rebuild) failed.
  bool failed() const { return failed_.load() || projection_failed_.load(); }

  void WhenReached(GlobalPosition position, Deadline deadline, std::function<void(bool)> done);
  bool WaitFor(GlobalPosition position, std::chrono::milliseconds timeout);

  std::vector<ProjectionStatus> Statuses() const;

  // Online rebuild: builds a fresh copy of `name` beside the live one, on
  // the projector thread between live batches; when it has caught up, the
  // projection's slot switches to it in one write, and queries go on being
  // answered from the old copy until then.
  //
  // Requests queue: the projections asked for while no rebuild runs start
  // together, one shadow copy each, folded in one pass over the log and
  // swapped in together; those asked for meanwhile wait (kQueued) and start
  // together when these are done. Asking for a projection that is already
  // queued or rebuilding changes nothing. Every accepted request ends with
  // the projection rebuilt and swapped in, or its rebuild failed (shown on
  // its status); a failed one does not hold up the others or the queue.
  //
  // Returns the projection's status as the request leaves it (kRebuilding,
  // or kQueued while other rebuilds run); ProjectorErrc::kUnknownProjection
  // for an unknown name, or when this projector cannot rebuild (no factory).
  [[nodiscard]] Result<ProjectionStatus> Rebuild(std::string_view name);
  // Rebuild of every projection; returns every status.
  [[nodiscard]] Result<std::vector<ProjectionStatus>> RebuildAll();

  // Applies everything up to the log's current end on the calling thread
  // (offline rebuilds and tests). Not while the thread runs. Unlike Start,
  // which serves on with a failed projection, this fails (kProjectionFailed)
  // if a projection stopped on an event.
  [[nodiscard]] Result<GlobalPosition> CatchUp(const std::function<void(GlobalPosition)>& progress = {},
                                               GlobalPosition up_to = ~GlobalPosition{0});

  static std::string CheckpointKey(std::string_view projection);

 private:
  struct Waiter {
    Deadline deadline;
    std::function<void(bool)> done;
  };

  // A fresh copy being built; all shadows of a pass are at shadow_position_.
  struct Shadow {
    std::size_t index = 0;
    std::unique_ptr<Projection> instance;
    std::string prefix;
    std::optional<Error> failure;  // met an event it cannot decode or fold: this rebuild fails
  };

  Result<GlobalPosition> FoldAll(const std::function<void(GlobalPosition)>& progress = {},
                                 GlobalPosition up_to = ~GlobalPosition{0});
  void Run();
  Result<std::size_t> Step(std::size_t max_events, GlobalPosition up_to = ~GlobalPosition{0});
  Result<std::size_t> AdvanceShadows(std::size_t max_events);
  Result<void> SwapInShadows();
  void StartRequestedRebuilds();
  // The thread's end on an error: failed, waiters told, cause kept.
  void Stopped(const Error& cause);
  // Queues `name` unless it is queued or rebuilding already. status_mu_ held.
  bool RequestRebuildLocked(std::string_view name);
  // The statuses as shown: requests, catching-up, a stopped projector. status_mu_ held.
  std::vector<ProjectionStatus> ShownLocked(const std::string& failure) const;
  std::string ProjectorFailure() const;
  // Stops projection i at `position` (its last good event) with `cause`.
  void FailProjection(std::size_t i, GlobalPosition position, const Error& cause);
  void FailRebuild(std::string name, const Error& cause);
  void RefreshFailed();
  bool WantedByHealthy(std::string_view type) const;
  GlobalPosition HealthyPosition(GlobalPosition otherwise) const;
  void PublishStatuses();
  void Notify(bool check_deadlines);

  const EventStore& log_;
  ReadModelStore& views_;
  std::vector<std::unique_ptr<Projection>> projections_;
  ProjectionFactory factory_;
  // Projector thread only:
  std::vector<GlobalPosition> checkpoints_;
  std::vector<std::string> prefixes_;  // each projection's live slot
  std::vector<std::string> errors_;    // each projection's failure; empty while healthy
  std::map<std::string, std::string, std::less<>> rebuild_errors_;  // projection -> why its rebuild failed
  std::vector<Shadow> shadows_;                 // the rebuilds under way, folded in one pass
  GlobalPosition shadow_position_ = 0;          // where they all are
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> drop_later_;  // old copies

  mutable std::mutex status_mu_;
  std::vector<ProjectionStatus> statuses_;
  std::vector<std::string> queued_;      // asked for, not started yet (in order)
  std::vector<std::string> rebuilding_;  // the shadows' projections, from the moment they are taken from queued_

  std::atomic<GlobalPosition> position_{0};
  std::atomic<bool> failed_{false};             // the projector thread stopped
  std::atomic<bool> projection_failed_{false};  // some status is kFailed
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex waiters_mu_;
  std::condition_variable reached_cv_;
  std::multimap<GlobalPosition, Waiter> waiters_;
  std::string failure_;
};

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::ProjectorErrc> : std::true_type {};
