#include "projections/projector.h"

#include <pthread.h>

#include <algorithm>

#include "eventstore/codec.h"
#include "eventstore/envelope.h"

namespace eventmart {
namespace {

constexpr std::size_t kBatchEvents = 4096;
// Catching up (start, rebuild): bigger batches, fewer writes. Measured on a
// 1M-event store: 4096 -> 168k events/s, 16384 -> 269k, 65536 -> 299k,
// 262144 -> 296k, 1048576 -> 249k (docs/benchmarks.md).
constexpr std::size_t kCatchUpBatchEvents = 65536;

}  // namespace

Projector::Projector(const EventStore& log, ReadModelStore& views,
                     std::vector<std::unique_ptr<Projection>> projections)
    : log_(log), views_(views), projections_(std::move(projections)) {}

Projector::~Projector() { Stop(); }

std::string Projector::CheckpointKey(std::string_view projection) {
  return "~checkpoint/" + std::string(projection);
}

Result<void> Projector::Start() {
  auto caught_up = CatchUp();
  if (!caught_up) return Fail(caught_up.error());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-projector");
    Run();
  });
  return {};
}

void Projector::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  Notify(/*check_deadlines=*/true);
}

Result<GlobalPosition> Projector::CatchUp(const std::function<void(GlobalPosition)>& progress, GlobalPosition up_to) {
  checkpoints_.clear();
  for (const auto& p : projections_) {
    if (auto loaded = p->Load(views_.Reader(p->name())); !loaded) return Fail(loaded.error());
    auto stored = views_.Get(CheckpointKey(p->name()));
    checkpoints_.push_back(stored && stored->size() == 8 ? DecodeFixed64BE(stored->data()) : 0);
  }
  position_ = checkpoints_.empty() ? log_.LastPosition()
                                   : *std::min_element(checkpoints_.begin(), checkpoints_.end());
  for (;;) {
    auto applied = Step(kCatchUpBatchEvents, up_to);
    if (!applied) return Fail(applied.error());
    if (progress) progress(position());
    if (*applied == 0) return position();
  }
}

void Projector::Run() {
  while (!stopping_) {
    auto applied = Step(kBatchEvents);
    if (!applied) {
      {
        std::lock_guard lock(waiters_mu_);
        failure_ = applied.error().Describe();
      }
      failed_ = true;
      Notify(/*check_deadlines=*/true);
      return;
    }
    if (*applied == 0) {
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
  for (const auto& p : projections_) writers.emplace_back(batch, views_.db(), std::string(p->name()) + "/");
  GlobalPosition last = 0;
  Error decode_error;
  auto scanned = log_.Scan({.from = from, .to = up_to, .limit = max_events}, [&](const RecordedEventView& view) {
    auto event = DecodeEvent(view);
    if (!event) {
      decode_error = event.error();
      return false;
    }
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      if (checkpoints_[i] < view.position) projections_[i]->Apply(view, *event, writers[i]);
    }
    last = view.position;
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  if (decode_error.code) return Fail(decode_error);
  if (last == 0) return std::size_t{0};
  std::string encoded;
  PutFixed64BE(&encoded, last);
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    checkpoints_[i] = std::max(checkpoints_[i], last);
    batch.Put(CheckpointKey(projections_[i]->name()), encoded);
  }
  auto written = views_.Write(batch);
  if (!written) return Fail(written.error());
  position_.store(last, std::memory_order_release);
  Notify(/*check_deadlines=*/false);
  return *scanned;
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

std::vector<ProjectionStatus> Projector::Statuses() const {
  std::vector<ProjectionStatus> out;
  GlobalPosition head = log_.LastPosition();
  for (const auto& p : projections_) {
    out.push_back({std::string(p->name()), position(),
                   failed_ ? "failed" : (position() >= head ? "live" : "catching-up")});
  }
  return out;
}

}  // namespace eventmart
