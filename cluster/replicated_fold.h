// cluster/replicated_fold.h
// A follower's hot write model: every batch it applies (from etcd or copied
// from a peer) is folded into an Aggregates by the same Evolve the decider
// uses, so that a promoted follower hands the model to its command
// processor instead of loading a snapshot and the log after it. Folding
// never decides; finished orders and decided waiting-room requests leave
// memory after each batch, as on the leader (Aggregates::EvictFinished).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "domain/aggregates.h"
#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

// The events of a batch, decoded, with their stream versions. Decoded
// before the batch is applied (applying takes its bytes), so that a batch
// this build cannot read is refused before it is written, not after.
using BatchEvents = std::vector<std::pair<DomainEvent, StreamVersion>>;
[[nodiscard]] Result<BatchEvents> DecodeBatchEvents(std::string_view batch);

// Folds `events` (applied, in order) into `model`, then evicts what finished.
void FoldBatch(Aggregates& model, const BatchEvents& events);

}  // namespace eventmart
