// eventstore/in_memory_event_store.h
// The EventStore in memory: the same semantics as RocksEventStore (streams,
// expected versions, atomic multi-stream appends, a gap-free global
// position, idempotent command ids with their stored payload), no disk.
// For tests of everything above the log, and for the store contract suite
// that both implementations pass (tests/eventstore/event_store_contract_test.cc).
//
// Like RocksEventStore, appends are queued and committed in order by one
// committer thread, which publishes the new head and then runs the
// callbacks; "durable" here means "visible to readers". Nothing survives
// the object.
//
// Thread safety: every method may be called from any thread. A Scan visitor
// runs without the store's lock held, so it may append (and wait for it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/event_store.h"

namespace eventmart {

class InMemoryEventStore final : public EventStore {
 public:
  InMemoryEventStore();
  ~InMemoryEventStore() override;  // commits queued appends, then stops
  InMemoryEventStore(const InMemoryEventStore&) = delete;
  InMemoryEventStore& operator=(const InMemoryEventStore&) = delete;

  void AppendAsync(AppendRequest request, AppendCallback done) override;
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, StreamVersion from,
                                                std::size_t limit) const override;
  Result<std::size_t> Scan(const ScanOptions& options, const ScanVisitor& visit) const override;
  GlobalPosition LastPosition() const override;
  bool WaitForPosition(GlobalPosition position, std::chrono::milliseconds timeout) const override;
  Result<std::optional<AppendResult>> FindCommand(std::string_view command_id) const override;

 private:
  struct PendingAppend {
    AppendRequest request;
    AppendCallback done;
  };

  void CommitterLoop();
  // Checks and applies one append; nothing is written on failure.
  // Committer thread, with data_mu_ held exclusively.
  Result<AppendResult> Commit(const AppendRequest& request);
  void Publish(GlobalPosition position);

  // The log. A deque: events never move once appended, so Scan can visit
  // them after letting go of the lock.
  mutable std::shared_mutex data_mu_;
  std::deque<RecordedEvent> log_;
  std::unordered_map<std::string, std::vector<GlobalPosition>> streams_;  // positions by version - 1
  std::unordered_map<std::string, AppendResult> commands_;               // with the stored payload

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<PendingAppend> queue_;
  bool stopping_ = false;
  std::thread committer_;

  mutable std::mutex position_mu_;
  mutable std::condition_variable position_cv_;
  std::atomic<GlobalPosition> last_position_{0};
};

}  // namespace eventmart
