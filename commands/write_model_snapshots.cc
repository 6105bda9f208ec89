#include "commands/write_model_snapshots.h"

#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <spdlog/spdlog.h>

#include "commands/write_model_codec.h"
#include "eventstore/scan_events.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

// Finished orders are let go every so often during a long fold, so loading
// never holds more than the live state and this many closed orders.
constexpr std::uint64_t kEvictEvery = 1 << 16;

// The newest snapshot at or before `up_to` that checks out and decodes.
std::optional<PreloadedSnapshot> NewestUsable(const SnapshotFiles& files, GlobalPosition up_to) {
  auto listed = files.List();
  if (!listed) {
    spdlog::warn("write-model snapshots: {}; folding the whole log", listed.error().Describe());
    return std::nullopt;
  }
  for (const auto& info : *listed) {
    if (info.position > up_to) {
      spdlog::warn("write-model snapshot {} is at position {}, past the log's end {}: skipped", info.path,
                   info.position, up_to);
      continue;
    }
    auto contents = files.Read(info, {kOldestWriteModelFormat, kWriteModelFormat});
    if (!contents) {
      spdlog::warn("write-model snapshot skipped: {}", contents.error().Describe());
      continue;
    }
    auto model = WriteModelCodec::Decode(contents->payload, contents->format);
    if (!model) {
      spdlog::warn("write-model snapshot {} skipped: {}", info.path, model.error().Describe());
      continue;
    }
    return PreloadedSnapshot{.status = {.exists = true, .position = info.position,
                                        .written_at_ms = contents->written_at_ms, .bytes = info.bytes},
                             .model = std::move(*model)};
  }
  return std::nullopt;
}

}  // namespace

Result<LoadedModel> LoadWriteModel(const EventStore& log, const SnapshotFiles* files, GlobalPosition up_to,
                                   const std::function<void(std::uint64_t)>& progress,
                                   PreloadedSnapshot* preloaded) {
  LoadedModel loaded;
  std::optional<PreloadedSnapshot> usable;
  if (preloaded != nullptr && preloaded->status.exists && preloaded->status.position <= up_to) {
    usable = std::move(*preloaded);
  } else if (files != nullptr && (preloaded == nullptr || preloaded->status.exists)) {
    // Not preloaded, or the preload's is past the log's end (an older one may do).
    usable = NewestUsable(*files, up_to);
  }
  if (usable) {
    loaded.snapshot_position = usable->status.position;
    loaded.snapshot_written_at_ms = usable->status.written_at_ms;
    loaded.snapshot_bytes = usable->status.bytes;
    loaded.model = std::move(usable->model);
  }
  Aggregates& model = loaded.model;
  std::uint64_t folded = 0;
  auto scanned = ScanEvents(log, {.from = loaded.snapshot_position + 1, .to = up_to}, EveryEvent,
                            [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
    model.Evolve(event, view.version);
    ++folded;
    if (folded % kEvictEvery == 0) model.EvictFinished();
    if (folded % 1'000'000 == 0 && progress) progress(folded);
    return ScanStep::kContinue;
  });
  if (!scanned) return Fail(scanned.error());  // names the event this build cannot decode
  if (loaded.snapshot_position + folded != up_to) {
    return Fail(StoreErrc::kCorruption,
                "log ends early at position " + std::to_string(loaded.snapshot_position + folded));
  }
  model.EvictFinished();
  loaded.position = up_to;
  loaded.tail_events = folded;
  return loaded;
}

Result<SnapshotStatus> NewestSnapshot(const SnapshotFiles& files) {
  auto listed = files.List();
  if (!listed) return Fail(listed.error());
  for (const auto& info : *listed) {
    auto contents = files.Read(info, {kOldestWriteModelFormat, kWriteModelFormat});
    if (!contents) continue;
    return SnapshotStatus{.exists = true, .position = info.position, .written_at_ms = contents->written_at_ms,
                          .bytes = info.bytes};
  }
  return SnapshotStatus{};
}

std::future<PreloadedSnapshot> PreloadSnapshot(const SnapshotFiles& files) {
  return std::async(std::launch::async, [&files] {
    pthread_setname_np(pthread_self(), "em-preload");
    auto started = std::chrono::steady_clock::now();
    auto newest = NewestUsable(files, std::numeric_limits<GlobalPosition>::max()).value_or(PreloadedSnapshot{});
    if (newest.status.exists) {
      spdlog::info("write-model snapshot at position {} read and decoded in {:.3f} s ({} bytes)",
                   newest.status.position,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                   newest.status.bytes);
    }
    return newest;
  });
}

Snapshotter::Snapshotter(const EventStore& log, const SnapshotFiles& files, const Clock& clock, SnapshotPolicy policy,
                         bool read_newest)
    : log_(log), files_(files), clock_(clock), policy_(policy) {
  if (!read_newest) return;
  auto newest = NewestSnapshot(files_);
  if (newest) {
    status_ = *newest;
  } else {
    spdlog::warn("write-model snapshots: {}", newest.error().Describe());
  }
}

Snapshotter::~Snapshotter() { Stop(); }

// A snapshot only shortens the next start: on a busy machine the decider,
// the committer and the HTTP threads go first. The lowest nice value (a
// share of ~1.5% against one busy thread at the default) keeps the
// snapshotter from ever taking their time, and it still gets a whole core
// whenever one is idle. Linux gives each thread its own nice value.
void Snapshotter::YieldToOthers() {
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19) != 0) {
    spdlog::warn("write-model snapshots: could not lower the snapshot thread's priority ({}); it competes with the "
                 "decider as an equal",
                 std::strerror(errno));
  }
}

void Snapshotter::Start(std::optional<SnapshotStatus> newest) {
  {
    std::lock_guard lock(mu_);
    if (newest) {
      status_.exists = newest->exists;
      status_.position = newest->position;
      status_.written_at_ms = newest->written_at_ms;
      status_.bytes = newest->bytes;
    }
    GlobalPosition end = log_.LastPosition();
    started_behind_ = end > status_.position && end - status_.position >= LongTail();
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-snapshot");
    YieldToOthers();
    Run();
  });
}

void Snapshotter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SnapshotStatus Snapshotter::Status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::uint64_t Snapshotter::LongTail() const { return std::max<std::uint64_t>(1, policy_.every_events / 10); }

bool Snapshotter::Due() const {
  GlobalPosition end = log_.LastPosition();
  std::lock_guard lock(mu_);
  if (end <= status_.position) return false;
  std::uint64_t appended = end - status_.position;
  if (appended >= policy_.every_events) return true;
  // A start that folded a long tail (after a crash under load, or in a
  // process that never lived the interval) writes a snapshot at once:
  // otherwise every later start would fold the same tail again.
  if (started_behind_ && status_.taken == 0) return true;
  // A quiet shop: rewriting the whole state for a handful of events would
  // cost more than folding them at the next start, and holds a second copy
  // of the state in memory while it runs.
  return appended >= std::max<std::uint64_t>(1, policy_.every_events / 100) &&
         clock_.NowMs() - status_.written_at_ms >= policy_.every.count();
}

void Snapshotter::Run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, policy_.poll, [&] { return stopping_; })) return;
    }
    if (!Due()) continue;
    if (auto taken = TakeNow(); !taken) {
      std::lock_guard lock(mu_);
      ++status_.failures;
      status_.last_error = taken.error().Describe();
      spdlog::error("write-model snapshot failed (the log is unaffected; retrying later): {}", status_.last_error);
    }
  }
}

Result<SnapshotStatus> Snapshotter::TakeNow() {
  std::lock_guard take(take_mu_);
  GlobalPosition up_to = log_.LastPosition();
  if (Status().position == up_to && Status().exists) return Status();
  auto started = std::chrono::steady_clock::now();
  std::uint64_t bytes = 0;
  GlobalPosition from = 0;
  TimeMs written_at = clock_.NowMs();
  {
    auto loaded = LoadWriteModel(log_, &files_, up_to);
    if (!loaded) return Fail(loaded.error());
    from = loaded->snapshot_position;
    std::string payload = WriteModelCodec::Encode(loaded->model);
    auto written = files_.Write(up_to, kWriteModelFormat, written_at, payload);
    if (!written) return Fail(written.error());
    bytes = written->bytes;
  }
  // The copy is gone; hand its pages back instead of keeping them resident.
  malloc_trim(0);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("write-model snapshot at position {}: {} bytes in {:.3f} s (from snapshot {} and {} events)", up_to,
               bytes, seconds, from, up_to - from);
  std::lock_guard lock(mu_);
  status_.exists = true;
  status_.position = up_to;
  status_.written_at_ms = written_at;
  status_.bytes = bytes;
  status_.last_write_seconds = seconds;
  ++status_.taken;
  status_.last_error.clear();
  return status_;
}

}  // namespace eventmart
