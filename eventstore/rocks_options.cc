// RocksDB options for the event log: the column families and their tuning.
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <algorithm>

#include "eventstore/rocks_event_store_impl.h"

namespace eventmart::rocks_internal {

rocksdb::Options BaseOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  // The stream index uses a hash-skiplist memtable, which needs this off.
  o.allow_concurrent_memtable_write = false;
  o.keep_log_file_num = 5;
  // What a crash leaves to replay at the next start: without a bound, the
  // quiet families (command records) would pin WAL files until the total
  // reached four times every write buffer (~1 GB), and replaying that takes
  // seconds. Past this, the oldest family is flushed and its WAL let go.
  o.max_total_wal_size = 128 << 20;
  // A start replays the WAL into memtables and leaves it there: flushing it
  // at open wrote a new L0 file at every start, and every few starts the
  // compaction that followed took a core from loading the write model.
  o.avoid_flush_during_recovery = true;
  // Table files are opened when first read, not all at open (RocksDB then
  // opens 16): with -1, a start opened every file and loaded its index and
  // filter, so its time and memory grew with the history. 512 files of
  // 64 MB is 32 GB of log before the least recently read are closed again.
  o.max_open_files = 512;
  // Nor are table properties read from many files at open to weigh their
  // deletions for compaction picking: the log rarely deletes, and those
  // reads grew a start with the number of files.
  o.skip_stats_update_on_db_open = true;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families(const rocksdb::Options& base) {
  static std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(64 << 20);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks stay with their table files, outside the cache
  // (~1.25 bytes a key for a filter): tried inside it, a filter block larger
  // than one cache shard (64 MB / 64 shards) was never kept, and every stream
  // head lookup read and checksummed it again (a 10M-event `load` ran at
  // 1,300 commands/s instead of 33,000). Partitioned filters would make it
  // safe; /metrics shows what the table readers hold (table_readers).
  rocksdb::BlockBasedTableOptions indexed = table;
  indexed.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));

  rocksdb::ColumnFamilyOptions log(base);
  log.write_buffer_size = 64 << 20;
  log.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  log.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  // Positions only grow: an empty prefix makes every insert start where the
  // last one ended, instead of searching the memtable from the top.
  log.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));

  rocksdb::ColumnFamilyOptions streams(base);
  streams.write_buffer_size = 32 << 20;
  streams.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  // Height 12: a hot stream (one coupon, 100k issues) stays a real skiplist.
  streams.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 20, /*skiplist_height=*/12));
  streams.table_factory.reset(rocksdb::NewBlockBasedTableFactory(indexed));

  rocksdb::ColumnFamilyOptions commands(base);
  commands.table_factory.reset(rocksdb::NewBlockBasedTableFactory(indexed));

  return {{rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(base)},
          {kLogFamily, log},
          {kStreamsFamily, streams},
          {kCommandsFamily, commands},
          {kCommandExpiryFamily, rocksdb::ColumnFamilyOptions(base)}};
}

}  // namespace eventmart::rocks_internal
