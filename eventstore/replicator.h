// eventstore/replicator.h
// The one hook of a cluster into the commit path. On a clustered server the
// committer hands every commit group, encoded as a replicated batch
// (eventstore/replicated_batch.h), to the Replicator *before* writing it
// locally, and acknowledges the group's appends only once Replicate
// answered ok (= durable on a majority) and the local write is synced.
// Because the local write comes second, a node's log never holds anything
// that did not reach the majority: a deposed leader has no tail to drop.
// A single node has no Replicator and commits exactly as before.
#pragma once

#include <cstdint>
#include <string_view>

#include "domain/result.h"
#include "eventstore/event_store.h"

namespace eventmart {

class Replicator {
 public:
  virtual ~Replicator() = default;
  // Makes batch number `sequence` (1, 2, 3, ... with no gaps) durable on a
  // majority, or fails; on failure nothing of the group is written locally
  // and every append of it fails. Called on the committer thread, one group
  // at a time.
  virtual Result<void> Replicate(std::uint64_t sequence, std::string_view batch) = 0;
};

}  // namespace eventmart
