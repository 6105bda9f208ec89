#include "eventstore/in_memory_event_store.h"

#include <pthread.h>

#include <algorithm>

#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

// Events handed to a Scan visitor per turn of the lock.
constexpr std::size_t kScanBatch = 256;

}  // namespace

InMemoryEventStore::InMemoryEventStore() {
  committer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-mem-commit");
    CommitterLoop();
  });
}

InMemoryEventStore::~InMemoryEventStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void InMemoryEventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back({std::move(request), std::move(done)});
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(Fail(StoreErrc::kClosed));
}

void InMemoryEventStore::CommitterLoop() {
  std::vector<PendingAppend> group;
  std::vector<Result<AppendResult>> results;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      group.swap(queue_);
    }
    GlobalPosition head = 0;
    {
      std::unique_lock lock(data_mu_);
      for (auto& pending : group) results.push_back(Commit(pending.request));
      head = log_.size();
    }
    Publish(head);  // before the callbacks, as RocksEventStore does
    for (std::size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
    group.clear();
    results.clear();
  }
}

Result<AppendResult> InMemoryEventStore::Commit(const AppendRequest& request) {
  if (!request.command_id.empty()) {
    if (auto it = commands_.find(request.command_id); it != commands_.end()) {
      AppendResult repeat = it->second;
      repeat.duplicate = true;
      return repeat;
    }
  }
  std::vector<StreamVersion> current;
  current.reserve(request.streams.size());
  for (const auto& append : request.streams) {
    if (append.stream.empty()) return Fail(StoreErrc::kInvalidArgument, "empty stream name");
    for (std::size_t j = 0; j < current.size(); ++j) {
      if (request.streams[j].stream == append.stream) {
        return Fail(StoreErrc::kInvalidArgument, "stream named twice: " + append.stream);
      }
    }
    auto it = streams_.find(append.stream);
    StreamVersion head = it == streams_.end() ? 0 : it->second.size();
    if (!append.expected.Matches(head)) {
      return Fail(StoreErrc::kVersionConflict, append.stream + " is at version " + std::to_string(head) +
                                                   ", expected " + std::to_string(append.expected.value()));
    }
    current.push_back(head);
  }
  AppendResult result;
  for (std::size_t i = 0; i < request.streams.size(); ++i) {
    const auto& append = request.streams[i];
    StreamVersion version = current[i];
    auto& positions = streams_[append.stream];
    for (const auto& event : append.events) {
      GlobalPosition position = log_.size() + 1;
      if (result.first_position == 0) result.first_position = position;
      log_.push_back(RecordedEvent{.stream = append.stream, .version = ++version, .position = position,
                                   .record = event});
      positions.push_back(position);
    }
    if (positions.empty()) streams_.erase(append.stream);  // an append of no events makes no stream
    result.versions.push_back(version);
  }
  result.last_position = result.first_position == 0 ? 0 : log_.size();
  if (!request.command_id.empty()) {
    AppendResult recorded = result;
    recorded.command_payload = request.command_payload;
    commands_.emplace(request.command_id, std::move(recorded));
  }
  return result;
}

void InMemoryEventStore::Publish(GlobalPosition position) {
  {
    std::lock_guard lock(position_mu_);
    last_position_.store(position, std::memory_order_release);
  }
  position_cv_.notify_all();
}

Result<std::vector<RecordedEvent>> InMemoryEventStore::ReadStream(std::string_view stream, StreamVersion from,
                                                                  std::size_t limit) const {
  if (stream.empty()) return Fail(StoreErrc::kInvalidArgument, "empty stream name");
  std::vector<RecordedEvent> out;
  GlobalPosition published = LastPosition();  // as RocksEventStore: only what the committer has published
  std::shared_lock lock(data_mu_);
  auto it = streams_.find(std::string(stream));
  if (it == streams_.end()) return out;
  const auto& positions = it->second;
  for (std::size_t i = from == 0 ? 0 : from - 1; i < positions.size() && out.size() < limit; ++i) {
    if (positions[i] > published) break;
    out.push_back(log_[positions[i] - 1]);
  }
  return out;
}

Result<std::size_t> InMemoryEventStore::Scan(const ScanOptions& options, const ScanVisitor& visit) const {
  std::size_t visited = 0;
  GlobalPosition next = std::max<GlobalPosition>(options.from, 1);
  GlobalPosition to = std::min(options.to, LastPosition());
  const RecordedEvent* batch[kScanBatch];
  while (next <= to && visited < options.limit) {
    std::size_t n = 0;
    {
      std::shared_lock lock(data_mu_);
      for (; n < kScanBatch && next + n <= to; ++n) batch[n] = &log_[next + n - 1];
    }
    next += n;
    for (std::size_t i = 0; i < n && visited < options.limit; ++i) {
      const RecordedEvent& e = *batch[i];
      RecordedEventView view{.stream = e.stream, .version = e.version, .position = e.position,
                             .id = e.record.id, .type = e.record.type,
                             .schema_version = e.record.schema_version,
                             .occurred_at_ms = e.record.occurred_at_ms,
                             .correlation_id = e.record.correlation_id,
                             .causation_id = e.record.causation_id, .body = e.record.body};
      ++visited;
      auto step = visit(view);
      if (!step) return Fail(std::move(step.error()));
      if (*step == ScanStep::kStop) return visited;
    }
  }
  return visited;
}

GlobalPosition InMemoryEventStore::LastPosition() const { return last_position_.load(std::memory_order_acquire); }

bool InMemoryEventStore::WaitForPosition(GlobalPosition position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(position_mu_);
  return position_cv_.wait_for(lock, timeout, [&] { return LastPosition() >= position; });
}

Result<std::optional<AppendResult>> InMemoryEventStore::FindCommand(std::string_view command_id) const {
  std::shared_lock lock(data_mu_);
  auto it = commands_.find(std::string(command_id));
  if (it == commands_.end()) return std::optional<AppendResult>();
  AppendResult found = it->second;
  found.duplicate = true;
  return std::optional<AppendResult>(std::move(found));
}

}  // namespace eventmart
