// eventstore/rocks_wal.h
// Keeping the WAL a start leaves bounded. Both stores open with
// avoid_flush_during_recovery: a start replays the WAL into memtables
// instead of writing it out as a new table file (which, every few starts,
// set off a compaction that took a core from loading the write model). The
// price is that each start adds a WAL file and keeps the old ones until the
// memtables fill; a quiet shop that restarts often would pile them up, and
// a large one would be replayed at every start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "domain/result.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace eventmart {

// Past this many live WAL files at open, or this many bytes of them, the
// memtables are flushed in the background: once every so many starts of a
// quiet shop, and at the first start after a crash under load, whose WAL
// every later start would otherwise replay again (46 MB of it took the
// 10M-event store 0.3 s at each start).
inline constexpr std::size_t kMaxKeptWalFiles = 16;
inline constexpr std::uint64_t kMaxKeptWalBytes = 16 << 20;

// Counts the live WAL files and their bytes and, past either bound, starts
// a flush of `families` without waiting for it. kIoError if RocksDB cannot
// list or flush them (the store is still usable: the files stay until a
// flush).
[[nodiscard]] Result<void> FlushIfMuchWal(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families);

}  // namespace eventmart
