// eventstore/rocks_memory.h
// What a RocksDB database holds in memory, by kind, for /metrics: the
// numbers an operator sizes a machine by (the process's own state is
// reported beside them).
#pragma once

#include <cstdint>

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace eventmart {

struct RocksMemory {
  std::uint64_t block_cache = 0;    // data, index and filter blocks cached (bounded by the cache's size)
  std::uint64_t table_readers = 0;  // what open table files keep outside the cache
  std::uint64_t memtables = 0;      // writes not yet flushed, every column family
};

// Reads RocksDB's own estimates; a property it cannot answer counts 0.
// `cached` is a column family using the block cache to report (families
// may share one cache: it is read once, not summed).
RocksMemory MemoryOf(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cached);

}  // namespace eventmart
