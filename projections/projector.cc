#include "projections/projector.h"

#include "domain/error_category.h"

#include <pthread.h>

#include <algorithm>

#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "eventstore/codec.h"
#include "eventstore/envelope.h"
#include "eventstore/scan_events.h"
#include "projections/read_model_format.h"

namespace eventmart {
namespace {

constexpr std::size_t kBatchEvents = 4096;
// Catching up (start, rebuild): bigger batches, fewer writes. Measured on a
// 1M-event store: 4096 -> 168k events/s, 16384 -> 269k, 65536 -> 299k,
// 262144 -> 296k, 1048576 -> 249k (docs/benchmarks.md).
constexpr std::size_t kCatchUpBatchEvents = 65536;


}  // namespace

const std::error_category& ProjectorCategory() {
  static const CodeCategory<ProjectorErrc> category("eventmart.projector", {
      {ProjectorErrc::kUnknownProjection, "no such projection"},
      {ProjectorErrc::kProjectionFailed, "a projection stopped on an error"}});
  return category;
}

std::string_view Name(ProjectionState state) {
  switch (state) {
    case ProjectionState::kLive: return "live";
    case ProjectionState::kCatchingUp: return "catching-up";
    case ProjectionState::kRebuilding: return "rebuilding";
    case ProjectionState::kQueued: return "queued";
    case ProjectionState::kFailed: return "failed";
  }
  return "unknown";
}

Projector::Projector(const EventStore& log, ReadModelStore& views,
                     std::vector<std::unique_ptr<Projection>> projections, ProjectionFactory factory)
    : log_(log), views_(views), projections_(std::move(projections)), factory_(std::move(factory)) {}

Projector::~Projector() { Stop(); }

std::string Projector::CheckpointKey(std::string_view projection) {
  return "~checkpoint/" + std::string(projection);
}

Result<void> Projector::Start() {
  auto caught_up = FoldAll();  // a projection that fails here shows failed; the others serve
  if (!caught_up) return Fail(caught_up.error());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-projector");
    Run();
  });
  return {};
}

void Projector::StartInBackground() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-projector");
    if (auto caught_up = FoldAll(); !caught_up) {
      Stopped(caught_up.error());
      return;
    }
    Run();
  });
}

void Projector::Stopped(const Error& cause) {
  spdlog::error("projector stopped: {}", cause.Describe());
  {
    std::lock_guard lock(waiters_mu_);
    failure_ = cause.Describe();
  }
  failed_ = true;
  Notify(/*check_deadlines=*/true);
}

void Projector::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  Notify(/*check_deadlines=*/true);
}

Result<GlobalPosition> Projector::CatchUp(const std::function<void(GlobalPosition)>& progress, GlobalPosition up_to) {
  auto folded = FoldAll(progress, up_to);
  if (!folded) return folded;
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    if (!errors_[i].empty()) {
      return Fail(ProjectorErrc::kProjectionFailed, std::string(projections_[i]->name()) + ": " + errors_[i]);
    }
  }
  return folded;
}

Result<GlobalPosition> Projector::FoldAll(const std::function<void(GlobalPosition)>& progress, GlobalPosition up_to) {
  // A read model an older build stored in another format starts over.
  if (auto formats = EnsureReadModelFormats(views_, projections_); !formats) return Fail(formats.error());
  checkpoints_.clear();
  prefixes_.clear();
  errors_.assign(projections_.size(), std::string());
  projection_failed_ = !rebuild_errors_.empty();
  for (const auto& p : projections_) {
    prefixes_.push_back(views_.SlotOf(p->name()));
    if (auto loaded = p->Load(views_.Reader(p->name())); !loaded) return Fail(loaded.error());
    auto stored = views_.Get(CheckpointKey(p->name()));
    if (!stored) return Fail(stored.error());
    checkpoints_.push_back(*stored && (*stored)->size() == 8 ? DecodeFixed64BE((*stored)->data()) : 0);
  }
  position_ = checkpoints_.empty() ? log_.LastPosition()
                                   : *std::min_element(checkpoints_.begin(), checkpoints_.end());
  for (;;) {
    auto applied = Step(kCatchUpBatchEvents, up_to);
    if (!applied) return Fail(applied.error());
    if (progress) progress(position());
    if (*applied == 0) {
      PublishStatuses();
      return position();
    }
  }
}

void Projector::Run() {
  while (!stopping_) {
    StartRequestedRebuilds();
    auto applied = Step(kBatchEvents);
    auto shadow_applied = applied ? AdvanceShadows(kBatchEvents * 4) : applied;
    if (applied && !shadow_applied) applied = Fail(shadow_applied.error());
    if (!applied) {
      Stopped(applied.error());
      return;
    }
    while (!drop_later_.empty() &&
           std::chrono::steady_clock::now() - drop_later_.front().second > std::chrono::seconds(2)) {
      // Readers that picked the old slot just before the swap have long finished.
      (void)views_.DropPrefix(drop_later_.front().first);
      drop_later_.erase(drop_later_.begin());
    }
    if (*applied == 0 && *shadow_applied == 0) {
      // Woken by the committer; the timeout only serves waiter deadlines.
      log_.WaitForPosition(position() + 1, std::chrono::milliseconds(20));
      Notify(/*check_deadlines=*/true);
    }
  }
}

// Folds up to max_events after the lowest checkpoint; returns how many were read.
Result<std::size_t> Projector::Step(std::size_t max_events, GlobalPosition up_to) {
  GlobalPosition from = position() + 1;
  if (from > std::min(up_to, log_.LastPosition())) return std::size_t{0};
  PendingChanges batch;
  std::vector<ReadModelWriter> writers;
  writers.reserve(projections_.size());
  for (std::size_t i = 0; i < projections_.size(); ++i) writers.emplace_back(batch, views_.db(), prefixes_[i]);
  GlobalPosition last = 0;
  auto scanned = ScanEvents(
      log_, {.from = from, .to = up_to, .limit = max_events},
      [&](const RecordedEventView& view) {
        last = view.position;
        return WantedByHealthy(view.type);
      },
      [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
        for (std::size_t i = 0; i < projections_.size(); ++i) {
          if (checkpoints_[i] >= view.position || !errors_[i].empty()) continue;
          // A fold that fails stops its projection before this event (what
          // it wrote of it stays in the batch: the projection shows failed
          // until it is rebuilt, and a rebuild starts from nothing).
          if (auto applied = projections_[i]->Apply(view, event, writers[i]); !applied) {
            FailProjection(i, view.position - 1, applied.error());
          }
        }
        return ScanStep::kContinue;
      },
      [&](const RecordedEventView& view, const Error& cause) -> Result<ScanStep> {
        // Stops every projection that wanted it; the others go on.
        Error error = UndecodableEvent(view, cause);
        for (std::size_t i = 0; i < projections_.size(); ++i) {
          if (checkpoints_[i] < view.position && errors_[i].empty() && projections_[i]->Wants(view.type)) {
            FailProjection(i, view.position - 1, error);
          }
        }
        return ScanStep::kContinue;
      });
  if (!scanned) return Fail(scanned.error());
  if (last == 0) return std::size_t{0};
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    if (errors_[i].empty()) checkpoints_[i] = std::max(checkpoints_[i], last);  // a failed one stays before its event
    std::string encoded;
    PutFixed64BE(&encoded, checkpoints_[i]);
    batch.Put(CheckpointKey(projections_[i]->name()), encoded);
  }
  auto written = views_.Write(batch);
  if (!written) return Fail(written.error());
  for (auto& projection : projections_) projection->Committed();
  PublishStatuses();  // before the position moves: whoever it wakes sees these
  position_.store(HealthyPosition(last), std::memory_order_release);
  Notify(/*check_deadlines=*/false);
  return *scanned;
}

bool Projector::WantedByHealthy(std::string_view type) const {
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    if (errors_[i].empty() && projections_[i]->Wants(type)) return true;
  }
  return false;
}

// The lowest checkpoint of the projections that have not failed; a failed
// one stays where it stopped, and the rest must not wait for it.
GlobalPosition Projector::HealthyPosition(GlobalPosition otherwise) const {
  GlobalPosition lowest = ~GlobalPosition{0};
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    if (errors_[i].empty()) lowest = std::min(lowest, checkpoints_[i]);
  }
  return lowest == ~GlobalPosition{0} ? otherwise : lowest;
}

void Projector::FailProjection(std::size_t i, GlobalPosition position, const Error& cause) {
  std::string name(projections_[i]->name());
  spdlog::error("projection {} stopped at position {}: {}", name, position, cause.Describe());
  checkpoints_[i] = position;
  errors_[i] = cause.Describe();
  projection_failed_ = true;
}

void Projector::FailRebuild(std::string name, const Error& cause) {
  spdlog::error("rebuild of projection {} failed: {}", name, cause.Describe());
  {
    std::lock_guard lock(status_mu_);
    std::erase(rebuilding_, name);
  }
  rebuild_errors_[std::move(name)] = cause.Describe();
  projection_failed_ = true;
}

bool Projector::RequestRebuildLocked(std::string_view name) {
  // Names come from the published statuses: projections_ belongs to the
  // projector thread, which swaps entries in when a rebuild completes.
  bool known = false;
  for (const auto& st : statuses_) known = known || st.name == name;
  if (!known || !factory_) return false;
  if (std::ranges::find(rebuilding_, name) == rebuilding_.end() && std::ranges::find(queued_, name) == queued_.end()) {
    queued_.emplace_back(name);
  }
  return true;
}

Result<ProjectionStatus> Projector::Rebuild(std::string_view name) {
  std::string failure = ProjectorFailure();
  std::lock_guard lock(status_mu_);
  if (!RequestRebuildLocked(name)) {
    return Fail(ProjectorErrc::kUnknownProjection, "no projection named " + std::string(name));
  }
  for (auto& st : ShownLocked(failure)) {
    if (st.name == name) return st;
  }
  return Fail(ProjectorErrc::kUnknownProjection, "no projection named " + std::string(name));
}

Result<std::vector<ProjectionStatus>> Projector::RebuildAll() {
  std::string failure = ProjectorFailure();
  std::lock_guard lock(status_mu_);
  if (!factory_) return Fail(ProjectorErrc::kUnknownProjection, "this projector cannot rebuild");
  for (const auto& st : statuses_) (void)RequestRebuildLocked(st.name);
  return ShownLocked(failure);
}

// Starts every queued rebuild at once, when none is under way: one shadow
// copy each, all at position 0, so that one pass over the log feeds them all.
void Projector::StartRequestedRebuilds() {
  std::vector<std::string> names;
  {
    std::lock_guard lock(status_mu_);
    if (!shadows_.empty() || queued_.empty()) return;
    names.swap(queued_);
    rebuilding_ = names;
  }
  auto generation = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  shadow_position_ = 0;
  for (const auto& name : names) {
    std::size_t i = 0;
    while (i < projections_.size() && projections_[i]->name() != name) ++i;
    if (i == projections_.size()) {  // cannot happen: names are checked when asked for
      std::lock_guard lock(status_mu_);
      std::erase(rebuilding_, name);
      continue;
    }
    Shadow shadow{.index = i, .instance = factory_(name),
                  .prefix = name + "#" + std::to_string(generation) + "/"};
    rebuild_errors_.erase(name);  // tried again
    (void)views_.DropPrefix(shadow.prefix);
    if (auto loaded = shadow.instance->Load(ReadModelReader(views_, shadow.prefix)); !loaded) {
      FailRebuild(name, loaded.error());
      continue;
    }
    shadows_.push_back(std::move(shadow));
  }
  RefreshFailed();
  PublishStatuses();
}

// Folds up to max_events into the shadow copies, never past the live copies.
// A shadow that meets an event it cannot decode or fold fails alone.
Result<std::size_t> Projector::AdvanceShadows(std::size_t max_events) {
  if (shadows_.empty()) return std::size_t{0};
  if (shadow_position_ >= position()) {
    if (auto swapped = SwapInShadows(); !swapped) return Fail(swapped.error());
    return std::size_t{0};
  }
  PendingChanges batch;
  std::vector<ReadModelWriter> writers;
  writers.reserve(shadows_.size());
  for (const auto& shadow : shadows_) writers.emplace_back(batch, views_.db(), shadow.prefix);
  auto folding = [](const Shadow& shadow, std::string_view type) {
    return !shadow.failure && shadow.instance->Wants(type);
  };
  GlobalPosition last = shadow_position_;
  auto scanned = ScanEvents(
      log_, {.from = shadow_position_ + 1, .to = position(), .limit = max_events},
      [&](const RecordedEventView& view) {
        last = view.position;
        return std::ranges::any_of(shadows_, [&](const Shadow& s) { return folding(s, view.type); });
      },
      [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
        for (std::size_t k = 0; k < shadows_.size(); ++k) {
          if (!folding(shadows_[k], view.type)) continue;
          if (auto applied = shadows_[k].instance->Apply(view, event, writers[k]); !applied) {
            shadows_[k].failure = applied.error();  // the rebuild fails, not the projector
          }
        }
        return ScanStep::kContinue;
      },
      [&](const RecordedEventView& view, const Error& cause) -> Result<ScanStep> {
        for (auto& shadow : shadows_) {
          if (folding(shadow, view.type)) shadow.failure = UndecodableEvent(view, cause);  // that rebuild fails
        }
        return ScanStep::kContinue;
      });
  if (!scanned) return Fail(scanned.error());
  if (auto written = views_.Write(batch); !written) return Fail(written.error());
  for (auto& shadow : shadows_) shadow.instance->Committed();
  shadow_position_ = last;
  for (auto it = shadows_.begin(); it != shadows_.end();) {
    if (!it->failure) {
      ++it;
      continue;
    }
    FailRebuild(std::string(projections_[it->index]->name()), *it->failure);
    (void)views_.DropPrefix(it->prefix);
    it = shadows_.erase(it);
  }
  PublishStatuses();
  return *scanned;
}

// The shadows have caught up with the live copies: one write switches their slots.
Result<void> Projector::SwapInShadows() {
  std::string checkpoint;
  PutFixed64BE(&checkpoint, shadow_position_);
  rocksdb::WriteBatch batch;
  for (const auto& shadow : shadows_) {
    std::string_view name = projections_[shadow.index]->name();
    batch.Put(ReadModelStore::SlotKey(name), shadow.prefix);
    batch.Put(CheckpointKey(name), checkpoint);
  }
  if (auto written = views_.Write(batch); !written) return Fail(written.error());
  auto now = std::chrono::steady_clock::now();
  for (auto& shadow : shadows_) {
    std::size_t i = shadow.index;
    views_.SetSlot(projections_[i]->name(), shadow.prefix);
    shadow.instance->TakeOver(*projections_[i]);
    drop_later_.emplace_back(prefixes_[i], now);
    projections_[i] = std::move(shadow.instance);
    prefixes_[i] = shadow.prefix;
    checkpoints_[i] = shadow_position_;
    errors_[i].clear();  // a rebuilt copy replaces a failed one
  }
  shadows_.clear();
  {
    std::lock_guard lock(status_mu_);
    rebuilding_.clear();
  }
  RefreshFailed();
  PublishStatuses();
  return {};
}

void Projector::PublishStatuses() {
  std::lock_guard lock(status_mu_);
  statuses_.clear();
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    ProjectionStatus st{.name = std::string(projections_[i]->name()),
                        .position = checkpoints_.empty() ? 0 : checkpoints_[i]};
    if (i < errors_.size() && !errors_[i].empty()) {
      st.state = ProjectionState::kFailed;
      st.error = errors_[i];
    } else if (auto failed = rebuild_errors_.find(st.name); failed != rebuild_errors_.end()) {
      st.state = ProjectionState::kFailed;
      st.error = "rebuild failed: " + failed->second;
    }
    // A rebuild under way (perhaps of a failed projection) is what it shows.
    for (const auto& shadow : shadows_) {
      if (shadow.index != i) continue;
      st.state = ProjectionState::kRebuilding;
      st.rebuild_position = shadow_position_;
    }
    statuses_.push_back(std::move(st));
  }
}

void Projector::RefreshFailed() {
  bool any = !rebuild_errors_.empty();
  for (const auto& e : errors_) any = any || !e.empty();
  projection_failed_ = any;
}

void Projector::Notify(bool check_deadlines) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(waiters_mu_);
    GlobalPosition reached = position();
    auto end = waiters_.upper_bound(reached);
    for (auto it = waiters_.begin(); it != end; it = waiters_.erase(it)) {
      ready.emplace_back(std::move(it->second.done), true);
    }
    // Deadlines are checked only when idle or stopping: a full walk per batch would cost too much.
    if (check_deadlines) {
      auto now = std::chrono::steady_clock::now();
      bool all = failed_ || stopping_;
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (all || it->second.deadline <= now) {
          ready.emplace_back(std::move(it->second.done), false);
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  reached_cv_.notify_all();
  for (auto& [done, ok] : ready) done(ok);
}

void Projector::WhenReached(GlobalPosition target, Deadline deadline, std::function<void(bool)> done) {
  if (position() >= target) {
    done(true);
    return;
  }
  {
    std::lock_guard lock(waiters_mu_);
    if (!failed_ && !stopping_) {
      waiters_.emplace(target, Waiter{deadline, std::move(done)});
      return;
    }
  }
  done(position() >= target);
}

bool Projector::WaitFor(GlobalPosition target, std::chrono::milliseconds timeout) {
  std::unique_lock lock(waiters_mu_);
  return reached_cv_.wait_for(lock, timeout, [&] { return position() >= target || failed_; }) &&
         position() >= target;
}

std::string Projector::ProjectorFailure() const {
  if (!failed_) return {};
  std::lock_guard lock(waiters_mu_);
  return failure_;
}

std::vector<ProjectionStatus> Projector::Statuses() const {
  std::string failure = ProjectorFailure();
  std::lock_guard lock(status_mu_);
  return ShownLocked(failure);
}

std::vector<ProjectionStatus> Projector::ShownLocked(const std::string& failure) const {
  GlobalPosition head = log_.LastPosition();
  std::vector<ProjectionStatus> out = statuses_;
  for (auto& st : out) {
    // Asked for and not started: rebuilding at once if no rebuild runs (the
    // projector thread starts it next), queued behind the ones that do.
    if (std::ranges::find(rebuilding_, st.name) != rebuilding_.end()) {
      st.state = ProjectionState::kRebuilding;
    } else if (std::ranges::find(queued_, st.name) != queued_.end()) {
      st.state = rebuilding_.empty() ? ProjectionState::kRebuilding : ProjectionState::kQueued;
      st.rebuild_position = 0;
    }
    if (failed_) {
      st.state = ProjectionState::kFailed;
      if (st.error.empty()) st.error = failure;
    } else if (st.state == ProjectionState::kLive && st.position + 1000 < head) {
      st.state = ProjectionState::kCatchingUp;
    }
  }
  return out;
}

}  // namespace eventmart
