// eventstore/rocks_wal.h
// Keeping the WAL a start leaves bounded. Both stores open with
// avoid_flush_during_recovery: a start replays the WAL into memtables
// instead of writing it out as a new table file (which, every few starts,
// set off a compaction that took a core from loading the write model). The
// price is that each start adds a WAL file and keeps the old ones until the
// memtables fill; a quiet shop that restarts often would pile them up.
#pragma once

#include <cstddef>
#include <vector>

#include "domain/result.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace eventmart {

// Past this many live WAL files at open, the memtables are flushed in the
// background (once every so many starts of a quiet shop).
inline constexpr std::size_t kMaxKeptWalFiles = 16;

// Counts the live WAL files and, past kMaxKeptWalFiles, starts a flush of
// `families` without waiting for it. kIoError if RocksDB cannot list or
// flush them (the store is still usable: the files stay until a flush).
[[nodiscard]] Result<void> FlushIfManyWalFiles(rocksdb::DB& db,
                                               const std::vector<rocksdb::ColumnFamilyHandle*>& families);

}  // namespace eventmart
