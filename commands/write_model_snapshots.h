// commands/write_model_snapshots.h
// Starting the write model from a snapshot instead of the whole log, and
// taking snapshots in the background.
//
// A snapshot is the write model at a log position. Loading takes the newest
// snapshot that checks out (snapshot_files.h) and decodes, then folds the
// log after it; a snapshot that is damaged, of another format, or ahead of
// the log is skipped with a warning, and an older one, or the log from the
// start, is used instead. Never a crash, never a wrong state.
//
// The Snapshotter never touches the decider's model: on its own thread it
// loads the newest snapshot, folds the log up to the end as it stands, and
// writes the result. The decider's critical path is untouched; the price is
// a second, short-lived copy of the (bounded) model while it runs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "commands/clock.h"
#include "commands/snapshot_files.h"
#include "domain/aggregates.h"
#include "eventstore/event_store.h"

namespace eventmart {

struct LoadedModel {
  Aggregates model;                       // finished orders already evicted
  GlobalPosition position = 0;            // folded up to here
  GlobalPosition snapshot_position = 0;   // where the fold started; 0: the start of the log
  TimeMs snapshot_written_at_ms = 0;      // of that snapshot
  std::uint64_t snapshot_bytes = 0;       // of that snapshot's file
  std::uint64_t tail_events = 0;          // folded from the log
};

struct PreloadedSnapshot;

// `files` may be null (no snapshots). `progress` is told every million
// events folded. `preloaded`, when given, is what PreloadSnapshot found; it
// is used if it is not past `up_to`.
[[nodiscard]] Result<LoadedModel> LoadWriteModel(const EventStore& log, const SnapshotFiles* files,
                                                 GlobalPosition up_to,
                                                 const std::function<void(std::uint64_t)>& progress = {},
                                                 PreloadedSnapshot* preloaded = nullptr);

struct SnapshotPolicy {
  // A snapshot once this many events were appended since the last one...
  std::uint64_t every_events = 1'000'000;
  // ...or this long after it, if at least 1% of every_events were.
  std::chrono::milliseconds every{std::chrono::minutes(10)};
  // How often the thread looks at the log's end.
  std::chrono::milliseconds poll{std::chrono::seconds(1)};
};

struct SnapshotStatus {
  bool exists = false;
  GlobalPosition position = 0;
  TimeMs written_at_ms = 0;
  std::uint64_t bytes = 0;
  double last_write_seconds = 0;  // load + fold + encode + write, of the last one taken here
  std::uint64_t taken = 0;        // by this process
  std::uint64_t failures = 0;
  std::string last_error;
};

// The newest snapshot that checks out, without decoding its payload (for
// stats and start-up status).
[[nodiscard]] Result<SnapshotStatus> NewestSnapshot(const SnapshotFiles& files);

// The newest snapshot that checks out and decodes, at any position.
struct PreloadedSnapshot {
  SnapshotStatus status;  // exists == false: none
  Aggregates model;
};

// Reads and decodes the newest snapshot on a thread of its own, so that a
// start opens the stores meanwhile: on two cores its slowest steps overlap
// (in a fresh process, an 11 MB snapshot of 200k users is mapped, checked
// and decoded in 15-30 ms, about what opening the stores takes).
[[nodiscard]] std::future<PreloadedSnapshot> PreloadSnapshot(const SnapshotFiles& files);

class Snapshotter {
 public:
  // Reads the newest snapshot's status, unless `read_newest` is false: a
  // start that loads the write model from it tells Start instead.
  Snapshotter(const EventStore& log, const SnapshotFiles& files, const Clock& clock, SnapshotPolicy policy,
              bool read_newest = true);
  ~Snapshotter();

  // `newest`: the snapshot the write model was just loaded from (none:
  // SnapshotStatus{}), when the constructor was told not to read it.
  void Start(std::optional<SnapshotStatus> newest = std::nullopt);
  void Stop();

  // Takes a snapshot now, on the calling thread (unless the newest one is
  // already at the log's end). Not while the thread runs one.
  [[nodiscard]] Result<SnapshotStatus> TakeNow();

  SnapshotStatus Status() const;

 private:
  static void YieldToOthers();
  void Run();
  bool Due() const;
  // A tail this long at Start is written out at once (a tenth of every_events).
  std::uint64_t LongTail() const;

  const EventStore& log_;
  const SnapshotFiles& files_;
  const Clock& clock_;
  SnapshotPolicy policy_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  SnapshotStatus status_;
  bool started_behind_ = false;  // the log was LongTail() past the newest snapshot at Start
  std::mutex take_mu_;  // one snapshot at a time
  std::thread thread_;
};

}  // namespace eventmart
