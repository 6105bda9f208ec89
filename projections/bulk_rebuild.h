// projections/bulk_rebuild.h
// Rebuilds read models from nothing, offline (no server on the store), the
// fast way: each projection folds the whole log in memory (its changes are
// hashed, never read back from RocksDB), then its read model is written as
// one sorted table file, and every file -- plus one holding the projections'
// checkpoints -- is ingested in a single atomic step. Nothing goes through
// the memtable, the WAL, flushes or compactions, which is where the
// projector's batch-by-batch path spends most of a rebuild.
//
// Memory: every key of the rebuilt read models, with its last value (about
// 1.5 GB for a 10-million-event history). A crash before the ingest leaves
// the projections dropped, never half-built; running rebuild again redoes it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "eventstore/event_store.h"
#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace eventmart {

struct BulkRebuildOptions {
  int threads = 2;  // projections are split over this many folds of the log
  // Called now and then by one of the folds with the position it reached,
  // and with the last position when it is done (tables are written next).
  std::function<void(GlobalPosition)> progress;
};

// Folds the log up to its current last position into `projections`, which
// must have been dropped from `views` (ReadModelStore::DropProjection).
// Returns the position every rebuilt projection is now at.
[[nodiscard]] Result<GlobalPosition> BulkRebuild(const EventStore& log, ReadModelStore& views,
                                                 std::vector<std::unique_ptr<Projection>> projections,
                                                 const BulkRebuildOptions& options = {});

}  // namespace eventmart
