// RocksEventStore: opening and closing, reads, and the stored formats of
// keys and command records. Appends: rocks_committer.cc; options:
// rocks_options.cc; stats and copies: rocks_maintenance.cc.
#include "eventstore/rocks_event_store.h"

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <future>

#include "domain/ids.h"
#include "eventstore/coding.h"
#include "eventstore/envelope.h"
#include "eventstore/rocks_event_store_impl.h"
#include "eventstore/rocks_wal.h"
#include "eventstore/store_errors.h"

namespace eventmart {
namespace rocks_internal {

std::string PositionKey(GlobalPosition p) {
  std::string key;
  PutFixed64BE(&key, p);
  return key;
}

std::string ExpiryKey(std::int64_t recorded_at_ms, std::string_view command_id) {
  std::string key;
  PutFixed64BE(&key, static_cast<std::uint64_t>(std::max<std::int64_t>(recorded_at_ms, 0)));
  key.append(command_id);
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

}  // namespace rocks_internal

using namespace rocks_internal;

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

Result<void> RocksEventStore::Impl::OpenDb(const std::string& dir, bool reader) {
  dir_ = dir;
  reader_ = reader;
  rocksdb::Options options = BaseOptions();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  // A store from before the expiry index (or a new one) lacks its family.
  std::vector<std::string> existing;
  (void)rocksdb::DB::ListColumnFamilies(options, dir, &existing);
  bool had_expiry = std::find(existing.begin(), existing.end(), kCommandExpiryFamily) != existing.end();
  if (reader) {
    options.max_open_files = -1;  // required by secondary instances
    secondary_dir_ = MakeSecondaryDir();
    auto families = Families(options);
    if (!had_expiry) families.pop_back();  // the writer adds it when it next opens the store
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
  if (!reader && !had_expiry) {
    if (auto indexed = IndexUndatedCommands(); !indexed) return Fail(indexed.error());
  }
  if (!reader) {
    if (auto flushed = FlushIfMuchWal(*db_, handles_); !flushed) return Fail(flushed.error());
  }
  auto last = LoadLastPosition();
  if (!last) return Fail(last.error());
  return LoadSequence();
}

Result<void> RocksEventStore::Impl::LoadSequence() {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), kSequenceKey, &value);
  if (s.IsNotFound()) return {};
  if (!s.ok()) return Fail(FromStatus(s, "read " + std::string(kSequenceKey)));
  if (value.size() != 8) return Fail(StoreErrc::kCorruption, std::string(kSequenceKey) + " of wrong size");
  sequence_ = DecodeFixed64BE(value.data());
  published_sequence_.store(sequence_, std::memory_order_release);
  return {};
}

void RocksEventStore::Impl::Close() {
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

Result<GlobalPosition> RocksEventStore::Impl::LoadLastPosition() {
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

Result<GlobalPosition> RocksEventStore::Impl::CatchUp() {
  auto s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return Fail(FromStatus(s, "catch up"));
  return LoadLastPosition();
}

void RocksEventStore::Impl::Publish(GlobalPosition position) {
  {
    std::lock_guard lock(position_mu_);
    last_position_.store(position, std::memory_order_release);
  }
  position_cv_.notify_all();
}

bool RocksEventStore::Impl::WaitFor(GlobalPosition position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(position_mu_);
  return position_cv_.wait_for(lock, timeout, [&] { return last_position() >= position; });
}

Result<std::size_t> RocksEventStore::Impl::Scan(const ScanOptions& options, const ScanVisitor& visit) const {
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

Result<std::vector<RecordedEvent>> RocksEventStore::Impl::ReadStream(std::string_view stream,
                                                                     StreamVersion from,
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

Result<RecordedEvent> RocksEventStore::Impl::ReadAt(GlobalPosition position) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), log(), PositionKey(position), &value);
  if (!s.ok()) return Fail(FromStatus(s, "read position " + std::to_string(position)));
  auto view = DecodeEnvelope(position, value);
  if (!view) return Fail(view.error());
  return view->ToOwned();
}

Result<std::optional<AppendResult>> RocksEventStore::Impl::FindCommand(std::string_view id) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), commands(), rocksdb::Slice(id.data(), id.size()), &value);
  if (s.IsNotFound()) return std::optional<AppendResult>();
  if (!s.ok()) return Fail(FromStatus(s, "find command"));
  auto record = DecodeCommandRecord(value);
  if (!record) return Fail(record.error());
  return std::optional<AppendResult>(std::move(*record));
}

std::string RocksEventStore::Impl::MakeSecondaryDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "eventmart-reader-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return "/tmp/eventmart-reader";
  return pattern;
}

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

Result<std::uint64_t> RocksEventStore::PruneCommands(std::int64_t recorded_before_ms) {
  std::promise<Result<std::uint64_t>> pruned;
  auto future = pruned.get_future();
  impl_->EnqueuePrune(recorded_before_ms, [&pruned](Result<std::uint64_t> r) { pruned.set_value(std::move(r)); });
  return future.get();
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

void RocksEventStore::SetReplicator(Replicator* replicator) { impl_->SetReplicator(replicator); }

std::uint64_t RocksEventStore::ReplicatedSequence() const { return impl_->sequence(); }

Result<void> RocksEventStore::ApplyReplicated(std::uint64_t sequence, std::string batch) {
  std::promise<Result<AppendResult>> applied;
  auto future = applied.get_future();
  impl_->EnqueueReplicated(sequence, std::move(batch),
                           [&applied](Result<AppendResult> r) { applied.set_value(std::move(r)); });
  auto result = future.get();
  if (!result) return Fail(std::move(result.error()));
  return {};
}

Result<void> RocksEventStore::ApplyCopied(std::string batch, std::uint64_t sequence) {
  std::promise<Result<AppendResult>> applied;
  auto future = applied.get_future();
  impl_->EnqueueReplicated(sequence, std::move(batch),
                           [&applied](Result<AppendResult> r) { applied.set_value(std::move(r)); }, /*copied=*/true);
  auto result = future.get();
  if (!result) return Fail(std::move(result.error()));
  return {};
}

Result<RocksEventStore::CopiedPage> RocksEventStore::ReadLogPage(GlobalPosition from, std::size_t max_events) const {
  return impl_->ReadLogPage(from, max_events);
}

Result<RocksEventStore::CopiedPage> RocksEventStore::ReadCommandPage(std::string_view after,
                                                                     std::size_t max_records) const {
  return impl_->ReadCommandPage(after, max_records);
}

Result<GlobalPosition> RocksEventStore::CatchUp() { return impl_->CatchUp(); }
Result<GlobalPosition> RocksEventStore::CopyTo(const std::string& dir) const { return impl_->CopyTo(dir); }
Result<StoreStats> RocksEventStore::ComputeStats() const { return impl_->ComputeStats(); }
const std::string& RocksEventStore::dir() const { return impl_->dir(); }
const StoreMetrics& RocksEventStore::metrics() const { return impl_->metrics(); }
rocksdb::DB* RocksEventStore::db() const { return impl_->db(); }

RocksMemory RocksEventStore::MemoryUsage() const { return impl_->MemoryUsage(); }

}  // namespace eventmart
