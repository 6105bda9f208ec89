#include "eventstore/rocks_memory.h"

#include <rocksdb/db.h>

namespace eventmart {
namespace {

std::uint64_t Aggregated(rocksdb::DB& db, const std::string& property) {
  std::uint64_t value = 0;
  return db.GetAggregatedIntProperty(property, &value) ? value : 0;
}

}  // namespace

RocksMemory MemoryOf(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cached) {
  RocksMemory memory;
  if (!db.GetIntProperty(cached, rocksdb::DB::Properties::kBlockCacheUsage, &memory.block_cache)) {
    memory.block_cache = 0;
  }
  memory.table_readers = Aggregated(db, rocksdb::DB::Properties::kEstimateTableReadersMem);
  memory.memtables = Aggregated(db, rocksdb::DB::Properties::kCurSizeAllMemTables);
  return memory;
}

}  // namespace eventmart
