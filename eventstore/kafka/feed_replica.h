// eventstore/kafka/feed_replica.h
// A copy of the log, rebuilt from the Kafka event feed: what a query node
// (`eventmart project`) runs on. It reads every partition of every feed
// topic (manual assignment: each node is its own consumer, so nodes are
// independent replicas), and appends each event to a local RocksEventStore
// at its original position. The feed is at least once and ordered only per
// key, so events are put back in log order: a reorder buffer holds whatever
// arrives ahead of a missing position, duplicates (position already here)
// are dropped. The local log is then exactly the main log's prefix, and the
// ordinary projector folds it into the same read models the main server has.
//
// Where to resume each partition is kept beside the local log (meta keys
// "feed/offset/<topic>/<partition>"), written only after the events below
// it are durable, so a restart re-reads at most a little (and drops it as
// duplicates) and never skips.
//
// Memory: when more than max_buffered events wait for a gap, partitions that
// are far ahead are paused until the gap fills.
//
// Thread safety: Start/Stop from one thread; Status() from any.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "eventstore/kafka/kafka_config.h"
#include "eventstore/rocks_event_store.h"

namespace eventmart {

struct FeedOptions {
  KafkaOptions kafka;
  std::size_t max_buffered = 200'000;
};

enum class FeedState {
  kStopped,  // not started, or stopped
  kRunning,  // reading the feed
  kFailed,   // stopped for good (the local log refused an append); last_error says why
};
// "stopped", "running", "failed": the text of the admin route.
std::string_view Name(FeedState state);

struct FeedStatus {
  FeedState state = FeedState::kStopped;
  GlobalPosition position = 0;       // the local log's head
  std::size_t buffered = 0;          // events waiting for position + 1
  std::uint64_t received = 0;        // messages read from Kafka
  std::uint64_t duplicates = 0;      // ... of which already applied or buffered
  std::uint64_t rejected = 0;        // ... of which were not event lines
  std::size_t partitions = 0;        // partitions being read
  std::uint64_t pauses = 0;          // times a partition far ahead was paused (memory bound)
  std::size_t peak_buffered = 0;     // the most events ever waiting (over max_buffered: a pause follows)
  std::int64_t kafka_lag = -1;       // messages on the brokers not yet read; -1 unknown
  bool caught_up = false;            // nothing buffered and nothing left to read
  std::string last_error;
};

class FeedReplica {
 public:
  FeedReplica(RocksEventStore& log, FeedOptions options);
  ~FeedReplica();
  FeedReplica(const FeedReplica&) = delete;
  FeedReplica& operator=(const FeedReplica&) = delete;

  // Checks the configuration and starts the consumer thread.
  [[nodiscard]] Result<void> Start();
  void Stop();
  FeedStatus Status() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventmart
