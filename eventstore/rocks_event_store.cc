#include "eventstore/rocks_event_store.h"

#include <pthread.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "domain/ids.h"
#include "eventstore/coding.h"
#include "eventstore/envelope.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace {

constexpr const char* kLogFamily = "log";
constexpr const char* kStreamsFamily = "streams";
constexpr const char* kCommandsFamily = "commands";

std::string PositionKey(GlobalPosition p) {
  std::string key;
  PutFixed64BE(&key, p);
  return key;
}

std::string StreamIndexKey(std::uint64_t hash, StreamVersion version) {
  std::string key;
  key.reserve(16);
  PutFixed64BE(&key, hash);
  PutFixed64BE(&key, version);
  return key;
}

// command record := varint first varint last varint n (varint version)*n bytes payload
std::string EncodeCommandRecord(const AppendResult& r, std::string_view payload) {
  std::string out;
  coding::PutVarint(&out, r.first_position);
  coding::PutVarint(&out, r.last_position);
  coding::PutVarint(&out, r.versions.size());
  for (auto v : r.versions) coding::PutVarint(&out, v);
  coding::PutBytes(&out, payload);
  return out;
}

Result<AppendResult> DecodeCommandRecord(std::string_view bytes) {
  coding::Reader in(bytes);
  AppendResult r;
  std::uint64_t n = 0;
  std::string_view payload;
  if (!in.Varint(&r.first_position) || !in.Varint(&r.last_position) || !in.Varint(&n) ||
      n > bytes.size()) {
    return Fail(StoreErrc::kCorruption, "command record header");
  }
  r.versions.resize(n);
  for (auto& v : r.versions) {
    if (!in.Varint(&v)) return Fail(StoreErrc::kCorruption, "command record versions");
  }
  if (!in.Bytes(&payload) || !in.empty()) return Fail(StoreErrc::kCorruption, "command record payload");
  r.command_payload = std::string(payload);
  r.duplicate = true;
  return r;
}

Error FromStatus(const rocksdb::Status& s, const std::string& what) {
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Error{StoreErrc::kBusy, what + ": " + s.ToString()};
  }
  if (s.IsCorruption()) return Error{StoreErrc::kCorruption, what + ": " + s.ToString()};
  return Error{StoreErrc::kIoError, what + ": " + s.ToString()};
}

rocksdb::Options BaseOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  // The stream index uses a hash-skiplist memtable, which needs this off.
  o.allow_concurrent_memtable_write = false;
  o.keep_log_file_num = 5;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families(const rocksdb::Options& base) {
  static std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(64 << 20);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
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
          {kCommandsFamily, commands}};
}

}  // namespace

std::uint64_t StreamHash(std::string_view stream) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : stream) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

class RocksEventStore::Impl {
 public:
  struct PendingAppend {
    AppendRequest request;
    AppendCallback done;
  };

  ~Impl() { Close(); }

  Result<void> OpenDb(const std::string& dir, bool reader) {
    dir_ = dir;
    reader_ = reader;
    rocksdb::Options options = BaseOptions();
    rocksdb::DB* db = nullptr;
    rocksdb::Status s;
    if (reader) {
      options.max_open_files = -1;  // required by secondary instances
      secondary_dir_ = MakeSecondaryDir();
      auto families = Families(options);
      // A reader only replays the writer's WAL and then reads: append-only
      // vector memtables, sorted once on first read, cost far less to fill.
      for (auto& family : families) family.options.memtable_factory.reset(new rocksdb::VectorRepFactory());
      s = rocksdb::DB::OpenAsSecondary(options, dir, secondary_dir_, families, &handles_, &db);
    } else {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      s = rocksdb::DB::Open(options, dir, Families(options), &handles_, &db);
    }
    if (!s.ok()) return Fail(FromStatus(s, "open " + dir));
    db_.reset(db);
    auto last = LoadLastPosition();
    if (!last) return Fail(last.error());
    return {};
  }

  void StartCommitter() {
    committer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "em-committer");
      CommitterLoop();
    });
  }

  void Close() {
    {
      std::lock_guard lock(queue_mu_);
      if (closed_) return;
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    {
      std::lock_guard lock(queue_mu_);
      closed_ = true;
    }
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
    if (!secondary_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary_dir_, ec);
    }
  }

  void Enqueue(AppendRequest request, AppendCallback done) {
    if (reader_) {
      done(Fail(StoreErrc::kInvalidArgument, "store opened read-only"));
      return;
    }
    {
      std::lock_guard lock(queue_mu_);
      if (!stopping_) {
        queue_.push_back({std::move(request), std::move(done)});
        if (queue_.size() == 1) queue_cv_.notify_one();
        return;
      }
    }
    done(Fail(StoreErrc::kClosed));
  }

  Result<GlobalPosition> LoadLastPosition() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log()));
    it->SeekToLast();
    if (!it->status().ok()) return Fail(FromStatus(it->status(), "seek last"));
    GlobalPosition last = 0;
    if (it->Valid()) {
      if (it->key().size() != 8) return Fail(StoreErrc::kCorruption, "log key of wrong size");
      last = DecodeFixed64BE(it->key().data());
    }
    Publish(last);
    return last;
  }

  Result<GlobalPosition> CatchUp() {
    auto s = db_->TryCatchUpWithPrimary();
    if (!s.ok()) return Fail(FromStatus(s, "catch up"));
    return LoadLastPosition();
  }

  void Publish(GlobalPosition position) {
    {
      std::lock_guard lock(position_mu_);
      last_position_.store(position, std::memory_order_release);
    }
    position_cv_.notify_all();
  }

  GlobalPosition last_position() const { return last_position_.load(std::memory_order_acquire); }

  bool WaitFor(GlobalPosition position, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(position_mu_);
    return position_cv_.wait_for(lock, timeout, [&] { return last_position() >= position; });
  }

  Result<std::size_t> Scan(const ScanOptions& options, const ScanVisitor& visit) const {
    rocksdb::ReadOptions ro;
    ro.readahead_size = 4 << 20;
    ro.fill_cache = false;
    // A writer only shows what its committer has published as durable.
    GlobalPosition to = reader_ ? options.to : std::min(options.to, last_position());
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log()));
    std::size_t visited = 0;
    for (it->Seek(PositionKey(options.from)); it->Valid() && visited < options.limit; it->Next()) {
      if (it->key().size() != 8) return Fail(StoreErrc::kCorruption, "log key of wrong size");
      GlobalPosition position = DecodeFixed64BE(it->key().data());
      if (position > to) break;
      auto view = DecodeEnvelope(position, std::string_view(it->value().data(), it->value().size()));
      if (!view) return Fail(view.error());
      ++visited;
      auto step = visit(*view);
      if (!step) return Fail(std::move(step.error()));
      if (*step == ScanStep::kStop) break;
    }
    if (!it->status().ok()) return Fail(FromStatus(it->status(), "scan"));
    return visited;
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, StreamVersion from,
                                                std::size_t limit) const {
    std::vector<RecordedEvent> out;
    if (stream.empty()) return Fail(StoreErrc::kInvalidArgument, "empty stream name");
    std::uint64_t hash = StreamHash(stream);
    std::string prefix = StreamIndexKey(hash, 0).substr(0, 8);
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams()));
    GlobalPosition limit_position = reader_ ? ~GlobalPosition{0} : last_position();
    for (it->Seek(StreamIndexKey(hash, from)); it->Valid() && out.size() < limit; it->Next()) {
      if (!it->key().starts_with(prefix)) break;
      if (it->value().size() != 8) return Fail(StoreErrc::kCorruption, "stream index value");
      GlobalPosition position = DecodeFixed64BE(it->value().data());
      if (position > limit_position) break;
      auto event = ReadAt(position);
      if (!event) return Fail(event.error());
      if (event->stream == stream) out.push_back(std::move(*event));
    }
    if (!it->status().ok()) return Fail(FromStatus(it->status(), "read stream"));
    return out;
  }

  Result<RecordedEvent> ReadAt(GlobalPosition position) const {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), log(), PositionKey(position), &value);
    if (!s.ok()) return Fail(FromStatus(s, "read position " + std::to_string(position)));
    auto view = DecodeEnvelope(position, value);
    if (!view) return Fail(view.error());
    return view->ToOwned();
  }

  Result<std::optional<AppendResult>> FindCommand(std::string_view id) const {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), commands(), rocksdb::Slice(id.data(), id.size()), &value);
    if (s.IsNotFound()) return std::optional<AppendResult>();
    if (!s.ok()) return Fail(FromStatus(s, "find command"));
    auto record = DecodeCommandRecord(value);
    if (!record) return Fail(record.error());
    return std::optional<AppendResult>(std::move(*record));
  }

  Result<StoreStats> ComputeStats() const {
    StoreStats stats;
    auto scanned = Scan({}, [&](const RecordedEventView& e) {
      ++stats.events;
      stats.last_position = e.position;
      ++stats.events_per_type[std::string(e.type)];
      if (e.version == 1) ++stats.streams_per_category[std::string(CategoryOf(e.stream))];
      return ScanStep::kContinue;
    });
    if (!scanned) return Fail(scanned.error());
    std::string count;
    if (db_->GetProperty(commands(), "rocksdb.estimate-num-keys", &count)) {
      stats.commands = std::strtoull(count.c_str(), nullptr, 10);
    }
    std::error_code ec;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir_, ec)) {
      if (entry.is_regular_file(ec)) stats.size_bytes += entry.file_size(ec);
    }
    return stats;
  }

  const std::string& dir() const { return dir_; }
  rocksdb::DB* db() const { return db_.get(); }
  bool reader() const { return reader_; }
  const StoreMetrics& metrics() const { return metrics_; }

  Result<GlobalPosition> CopyTo(const std::string& to) const {
    if (std::filesystem::exists(to)) return Fail(StoreErrc::kInvalidArgument, to + " already exists");
    if (!reader_) {
      rocksdb::Checkpoint* checkpoint = nullptr;
      auto s = rocksdb::Checkpoint::Create(db_.get(), &checkpoint);
      std::unique_ptr<rocksdb::Checkpoint> owned(checkpoint);
      if (s.ok()) s = checkpoint->CreateCheckpoint(to);
      if (!s.ok()) return Fail(FromStatus(s, "checkpoint to " + to));
      return last_position();
    }
    rocksdb::Options options = BaseOptions();
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(options, to, Families(options), &handles, &raw);
    if (!s.ok()) return Fail(FromStatus(s, "create " + to));
    std::unique_ptr<rocksdb::DB> copy(raw);
    for (std::size_t i = 0; i < handles_.size() && s.ok(); ++i) s = CopyFamily(handles_[i], copy.get(), handles[i]);
    if (s.ok()) s = copy->Flush(rocksdb::FlushOptions(), handles);
    if (s.ok()) s = copy->SyncWAL();
    for (auto* h : handles) copy->DestroyColumnFamilyHandle(h);
    if (!s.ok()) return Fail(FromStatus(s, "copy to " + to));
    return last_position();
  }

 private:
  rocksdb::Status CopyFamily(rocksdb::ColumnFamilyHandle* from, rocksdb::DB* to, rocksdb::ColumnFamilyHandle* into) const {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;  // the stream index has a prefix extractor: copy everything
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, from));
    rocksdb::WriteBatch batch;
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;  // flushed and synced once at the end
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      batch.Put(into, it->key(), it->value());
      if (batch.Count() >= 10'000) {
        if (auto s = to->Write(wo, &batch); !s.ok()) return s;
        batch.Clear();
      }
    }
    if (!it->status().ok()) return it->status();
    return batch.Count() > 0 ? to->Write(wo, &batch) : rocksdb::Status::OK();
  }

  struct GroupState {
    rocksdb::WriteBatch batch;
    std::unordered_map<std::string, StreamVersion> heads;  // heads changed by this group
    std::unordered_map<std::string, AppendResult> commands;  // ids recorded by this group
    GlobalPosition position = 0;
    std::string scratch;
  };

  rocksdb::ColumnFamilyHandle* log() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* commands() const { return handles_[3]; }

  static std::string MakeSecondaryDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "eventmart-reader-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return "/tmp/eventmart-reader";
    return pattern;
  }

  void CommitterLoop() {
    std::vector<PendingAppend> group;
    for (;;) {
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        group.swap(queue_);
      }
      CommitGroup(group);
      group.clear();
    }
  }

  void CommitGroup(std::vector<PendingAppend>& group) {
    std::vector<Result<AppendResult>> results;
    results.reserve(group.size());
    GroupState state;
    state.position = last_position();
    for (auto& pending : group) results.push_back(Stage(pending.request, state));
    if (state.batch.Count() > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      auto started = std::chrono::steady_clock::now();
      auto s = failed_ ? rocksdb::Status::Aborted("store failed") : db_->Write(wo, &state.batch);
      metrics_.commit_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      metrics_.group_appends.Observe(static_cast<double>(group.size()));
      metrics_.events.fetch_add(state.position - last_position(), std::memory_order_relaxed);
      if (s.ok()) {
        for (auto& [stream, version] : state.heads) heads_[stream] = version;
        Publish(state.position);
      } else {
        failed_ = true;
        for (auto& r : results) {
          if (r) r = Fail(StoreErrc::kIoError, "commit: " + s.ToString());
        }
      }
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!results[i]) metrics_.rejected.fetch_add(1, std::memory_order_relaxed);
      group[i].done(std::move(results[i]));
    }
  }

  // Checks one append against the group's view of the heads and, if it
  // passes, adds its writes to the batch. Nothing is added on failure.
  Result<AppendResult> Stage(const AppendRequest& request, GroupState& state) {
    if (failed_) return Fail(StoreErrc::kStoreFailed);
    if (!request.command_id.empty()) {
      if (auto it = state.commands.find(request.command_id); it != state.commands.end()) {
        AppendResult repeat = it->second;
        repeat.duplicate = true;
        return repeat;
      }
      auto found = FindCommand(request.command_id);
      if (!found) return Fail(found.error());
      if (*found) return std::move(**found);
    }
    std::vector<StreamVersion> current;
    current.reserve(request.streams.size());
    for (const auto& append : request.streams) {
      if (append.stream.empty()) return Fail(StoreErrc::kInvalidArgument, "empty stream name");
      for (std::size_t j = 0; j < current.size(); ++j) {
        if (request.streams[j].stream == append.stream) {
          return Fail(StoreErrc::kInvalidArgument, "stream named twice: " + append.stream);
        }
      }
      auto head = HeadOf(append.stream, state);
      if (!head) return Fail(head.error());
      if (!append.expected.Matches(*head)) {
        return Fail(StoreErrc::kVersionConflict,
                    append.stream + " is at version " + std::to_string(*head) + ", expected " +
                        std::to_string(append.expected.value()));
      }
      current.push_back(*head);
    }
    return StageWrites(request, current, state);
  }

  AppendResult StageWrites(const AppendRequest& request, const std::vector<StreamVersion>& current,
                           GroupState& state) {
    AppendResult result;
    for (std::size_t i = 0; i < request.streams.size(); ++i) {
      const auto& append = request.streams[i];
      std::uint64_t hash = StreamHash(append.stream);
      StreamVersion version = current[i];
      for (const auto& event : append.events) {
        ++version;
        ++state.position;
        if (result.first_position == 0) result.first_position = state.position;
        std::string key = PositionKey(state.position);
        state.scratch.clear();
        EncodeEnvelope(append.stream, version, event, &state.scratch);
        state.batch.Put(log(), key, state.scratch);
        state.batch.Put(streams(), StreamIndexKey(hash, version), key);
      }
      state.heads[append.stream] = version;
      result.versions.push_back(version);
    }
    result.last_position = result.first_position == 0 ? 0 : state.position;
    if (!request.command_id.empty()) {
      state.batch.Put(commands(), request.command_id,
                      EncodeCommandRecord(result, request.command_payload));
      AppendResult recorded = result;
      recorded.command_payload = request.command_payload;
      state.commands.emplace(request.command_id, std::move(recorded));
    }
    return result;
  }

  Result<StreamVersion> HeadOf(const std::string& stream, GroupState& state) {
    if (auto it = state.heads.find(stream); it != state.heads.end()) return it->second;
    if (auto it = heads_.find(stream); it != heads_.end()) return it->second;
    auto loaded = LoadHead(stream);
    if (loaded) heads_.emplace(stream, *loaded);
    return loaded;
  }

  // The last version of `stream` on disk. Walks back over entries of other
  // streams that share the hash (practically never more than one step).
  Result<StreamVersion> LoadHead(const std::string& stream) {
    std::uint64_t hash = StreamHash(stream);
    std::string prefix = StreamIndexKey(hash, 0).substr(0, 8);
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams()));
    for (it->SeekForPrev(StreamIndexKey(hash, ~StreamVersion{0})); it->Valid(); it->Prev()) {
      if (!it->key().starts_with(prefix)) break;
      if (it->value().size() != 8 || it->key().size() != 16) {
        return Fail(StoreErrc::kCorruption, "stream index entry");
      }
      auto event = ReadAt(DecodeFixed64BE(it->value().data()));
      if (!event) return Fail(event.error());
      if (event->stream == stream) return DecodeFixed64BE(it->key().data() + 8);
    }
    if (!it->status().ok()) return Fail(FromStatus(it->status(), "load head"));
    return StreamVersion{0};
  }

 public:
  RocksStoreOptions options_;

 private:
  std::string dir_;
  std::string secondary_dir_;
  bool reader_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<PendingAppend> queue_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread committer_;

  StoreMetrics metrics_;

  // Committer thread only.
  std::unordered_map<std::string, StreamVersion> heads_;
  bool failed_ = false;

  mutable std::mutex position_mu_;
  mutable std::condition_variable position_cv_;
  std::atomic<GlobalPosition> last_position_{0};
};

RocksEventStore::RocksEventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksEventStore::~RocksEventStore() = default;

Result<std::unique_ptr<RocksEventStore>> RocksEventStore::Open(const std::string& dir,
                                                               RocksStoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options_ = options;
  auto opened = impl->OpenDb(dir, /*reader=*/false);
  if (!opened) return Fail(opened.error());
  impl->StartCommitter();
  return std::unique_ptr<RocksEventStore>(new RocksEventStore(std::move(impl)));
}

Result<std::unique_ptr<RocksEventStore>> RocksEventStore::OpenReader(const std::string& dir) {
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
    return Fail(StoreErrc::kInvalidArgument, "no event store in " + dir);
  }
  auto impl = std::make_unique<Impl>();
  auto opened = impl->OpenDb(dir, /*reader=*/true);
  if (!opened) return Fail(opened.error());
  return std::unique_ptr<RocksEventStore>(new RocksEventStore(std::move(impl)));
}

void RocksEventStore::AppendAsync(AppendRequest request, AppendCallback done) {
  impl_->Enqueue(std::move(request), std::move(done));
}

Result<std::vector<RecordedEvent>> RocksEventStore::ReadStream(std::string_view stream,
                                                               StreamVersion from,
                                                               std::size_t limit) const {
  return impl_->ReadStream(stream, from, limit);
}

Result<std::size_t> RocksEventStore::Scan(const ScanOptions& options, const ScanVisitor& visit) const {
  return impl_->Scan(options, visit);
}

GlobalPosition RocksEventStore::LastPosition() const { return impl_->last_position(); }

bool RocksEventStore::WaitForPosition(GlobalPosition position,
                                      std::chrono::milliseconds timeout) const {
  return impl_->WaitFor(position, timeout);
}

Result<std::optional<AppendResult>> RocksEventStore::FindCommand(std::string_view id) const {
  return impl_->FindCommand(id);
}

Result<void> RocksEventStore::PutMeta(std::string_view key, std::string_view value) {
  if (impl_->reader()) return Fail(StoreErrc::kInvalidArgument, "store opened read-only");
  auto s = impl_->db()->Put(rocksdb::WriteOptions(), rocksdb::Slice(key.data(), key.size()),
                            rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return Fail(FromStatus(s, "put meta"));
  return {};
}

Result<std::optional<std::string>> RocksEventStore::GetMeta(std::string_view key) const {
  std::string value;
  auto s = impl_->db()->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Fail(FromStatus(s, "get meta"));
  return std::optional<std::string>(std::move(value));
}

Result<GlobalPosition> RocksEventStore::CatchUp() { return impl_->CatchUp(); }
Result<GlobalPosition> RocksEventStore::CopyTo(const std::string& dir) const { return impl_->CopyTo(dir); }
Result<StoreStats> RocksEventStore::ComputeStats() const { return impl_->ComputeStats(); }
const std::string& RocksEventStore::dir() const { return impl_->dir(); }
const StoreMetrics& RocksEventStore::metrics() const { return impl_->metrics(); }
rocksdb::DB* RocksEventStore::db() const { return impl_->db(); }

}  // namespace eventmart
