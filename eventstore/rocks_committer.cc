// RocksEventStore's appends: one committer thread takes every append
// waiting in the queue, checks versions against in-memory stream heads,
// writes one WriteBatch and syncs it once, then publishes the new head
// position and runs the callbacks (group commit).
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>

#include "eventstore/coding.h"
#include "eventstore/envelope.h"
#include "eventstore/rocks_event_store_impl.h"
#include "eventstore/store_errors.h"

namespace eventmart {

using namespace rocks_internal;

namespace {

std::int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void RocksEventStore::Impl::StartCommitter() {
  committer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "em-committer");
    CommitterLoop();
  });
}

void RocksEventStore::Impl::Enqueue(AppendRequest request, AppendCallback done) {
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

void RocksEventStore::Impl::EnqueuePrune(std::int64_t recorded_before_ms,
                                         std::function<void(Result<std::uint64_t>)> done) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_ && !reader_) {
      prunes_.push_back({recorded_before_ms, std::move(done)});
      if (prunes_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(Fail(reader_ ? StoreErrc::kInvalidArgument : StoreErrc::kClosed, "prune"));
}

void RocksEventStore::Impl::CommitterLoop() {
  std::vector<PendingAppend> group;
  std::vector<PendingPrune> prunes;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return !queue_.empty() || !prunes_.empty() || stopping_; });
      if (queue_.empty() && prunes_.empty()) return;  // stopping, and everything queued is done
      group.swap(queue_);
      prunes.swap(prunes_);
    }
    if (!group.empty()) CommitGroup(group);
    group.clear();
    for (auto& prune : prunes) prune.done(PruneCommandsBefore(prune.recorded_before_ms));
    prunes.clear();
  }
}

// The oldest records first, a bounded batch at a time, so appends queued
// meanwhile wait at most one batch.
Result<std::uint64_t> RocksEventStore::Impl::PruneCommandsBefore(std::int64_t recorded_before_ms) {
  if (failed_) return Fail(StoreErrc::kStoreFailed, "prune");
  std::string cut = ExpiryKey(recorded_before_ms, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), command_expiry()));
  rocksdb::WriteBatch batch;
  std::uint64_t pruned = 0;
  for (it->SeekToFirst(); it->Valid() && it->key().compare(cut) < 0 && batch.Count() < 2 * RocksEventStore::kPruneBatch; it->Next()) {
    rocksdb::Slice key = it->key();
    batch.Delete(commands(), rocksdb::Slice(key.data() + 8, key.size() - 8));
    batch.Delete(command_expiry(), key);
    ++pruned;
  }
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "prune: scan the expiry index"));
  if (pruned == 0) return pruned;
  auto s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return Fail(FromStatus(s, "prune: delete"));
  return pruned;
}

Result<void> RocksEventStore::Impl::IndexUndatedCommands() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), commands()));
  rocksdb::WriteBatch batch;
  std::int64_t now = WallClockMs();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(command_expiry(), ExpiryKey(now, it->key().ToStringView()), rocksdb::Slice());
  }
  if (!it->status().ok()) return Fail(FromStatus(it->status(), "index command records"));
  if (batch.Count() == 0) return {};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return Fail(FromStatus(s, "index command records"));
  return {};
}

void RocksEventStore::Impl::EnqueueReplicated(std::uint64_t sequence, std::string batch, AppendCallback done,
                                              bool copied) {
  if (reader_ || (sequence == 0 && !copied)) {
    done(Fail(StoreErrc::kInvalidArgument, reader_ ? "store opened read-only" : "batch number 0"));
    return;
  }
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back({{}, std::move(done), sequence, copied, std::move(batch)});
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(Fail(StoreErrc::kClosed));
}

std::vector<Result<AppendResult>> RocksEventStore::Impl::StageGroup(std::vector<PendingAppend>& group,
                                                                    GroupState& state) {
  std::vector<Result<AppendResult>> results;
  results.reserve(group.size());
  bool applying = std::any_of(group.begin(), group.end(),
                              [](const PendingAppend& p) { return p.replicated_sequence > 0 || p.copied; });
  state.replicating = !applying && replicator_.load(std::memory_order_acquire) != nullptr;
  if (state.replicating) state.replica.Start(state.position + 1);
  for (auto& pending : group) {
    if (pending.replicated_sequence > 0 || pending.copied) {
      results.push_back(StageReplicated(pending, state));
    } else if (applying) {
      results.push_back(Fail(StoreErrc::kNotLeader, "this node is applying the leader's batches"));
    } else {
      results.push_back(Stage(pending.request, state));
    }
  }
  return results;
}

void RocksEventStore::Impl::CommitGroup(std::vector<PendingAppend>& group) {
  GroupState state;
  state.position = last_position();
  state.sequence = sequence_;
  std::vector<Result<AppendResult>> results = StageGroup(group, state);
  if (state.batch.Count() > 0) {
    Result<void> replicated;
    if (state.replicating && !failed_) {
      // Majority first, local disk second: this node's log never holds a
      // group the cluster does not have.
      ++state.sequence;
      state.scratch.clear();
      PutFixed64BE(&state.scratch, state.sequence);
      state.batch.Put(kSequenceKey, state.scratch);
      replicated = replicator_.load(std::memory_order_acquire)->Replicate(state.sequence, state.replica.Finish());
    }
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync;
    auto started = std::chrono::steady_clock::now();
    auto s = failed_       ? rocksdb::Status::Aborted("store failed")
             : !replicated ? rocksdb::Status::OK()
                           : db_->Write(wo, &state.batch);
    metrics_.commit_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics_.group_appends.Observe(static_cast<double>(group.size()));
    if (!replicated) {
      for (auto& r : results) r = Fail(StoreErrc::kNotLeader, replicated.error().Describe());
    } else if (s.ok()) {
      metrics_.events.fetch_add(state.position - last_position(), std::memory_order_relaxed);
      for (auto& [stream, version] : state.heads) RememberHead(stream, version);
      sequence_ = state.sequence;
      published_sequence_.store(sequence_, std::memory_order_release);
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

Result<AppendResult> RocksEventStore::Impl::StageReplicated(const PendingAppend& pending, GroupState& state) {
  if (failed_) return Fail(StoreErrc::kStoreFailed);
  if (pending.copied && pending.replicated_sequence != 0 && pending.replicated_sequence < state.sequence) {
    return Fail(StoreErrc::kOutOfSequence, "copy ends at batch " + std::to_string(pending.replicated_sequence) +
                                               ", this store has batch " + std::to_string(state.sequence));
  }
  if (!pending.copied && pending.replicated_sequence != state.sequence + 1) {
    return Fail(StoreErrc::kOutOfSequence, "batch " + std::to_string(pending.replicated_sequence) + " after batch " +
                                               std::to_string(state.sequence));
  }
  auto view = DecodeReplicatedBatch(pending.replicated);
  if (!view) return Fail(view.error());
  if (!view->envelopes.empty() && view->first_position != state.position + 1) {
    return Fail(StoreErrc::kOutOfSequence, "batch starts at position " + std::to_string(view->first_position) +
                                               ", the log ends at " + std::to_string(state.position));
  }
  AppendResult result;
  for (std::string_view envelope : view->envelopes) {
    GlobalPosition position = state.position + 1;
    auto event = DecodeEnvelope(position, envelope);
    if (!event) return Fail(event.error());
    std::string key = PositionKey(position);
    state.batch.Put(log(), key, rocksdb::Slice(envelope.data(), envelope.size()));
    state.batch.Put(streams(), StreamIndexKey(StreamHash(event->stream), event->version), key);
    state.heads[std::string(event->stream)] = event->version;
    state.position = position;
    if (result.first_position == 0) result.first_position = position;
  }
  result.last_position = result.first_position == 0 ? 0 : state.position;
  for (const auto& command : view->commands) {
    state.batch.Put(commands(), rocksdb::Slice(command.id.data(), command.id.size()),
                    rocksdb::Slice(command.record.data(), command.record.size()));
    // Dated by this node's clock: each node prunes its own records.
    state.batch.Put(command_expiry(), ExpiryKey(WallClockMs(), command.id), rocksdb::Slice());
  }
  if (!pending.copied || pending.replicated_sequence != 0) state.sequence = pending.replicated_sequence;
  std::string sequence;
  PutFixed64BE(&sequence, state.sequence);
  state.batch.Put(kSequenceKey, sequence);
  return result;
}

Result<AppendResult> RocksEventStore::Impl::Stage(const AppendRequest& request, GroupState& state) {
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

AppendResult RocksEventStore::Impl::StageWrites(const AppendRequest& request,
                                               const std::vector<StreamVersion>& current, GroupState& state) {
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
      if (state.replicating) state.replica.AddEnvelope(state.scratch);
    }
    state.heads[append.stream] = version;
    result.versions.push_back(version);
  }
  result.last_position = result.first_position == 0 ? 0 : state.position;
  if (!request.command_id.empty()) {
    std::string record = EncodeCommandRecord(result, request.command_payload);
    if (state.replicating) state.replica.AddCommand(request.command_id, record);
    state.batch.Put(commands(), request.command_id, record);
    state.batch.Put(command_expiry(), ExpiryKey(WallClockMs(), request.command_id), rocksdb::Slice());
    AppendResult recorded = result;
    recorded.command_payload = request.command_payload;
    state.commands.emplace(request.command_id, std::move(recorded));
  }
  return result;
}

Result<StreamVersion> RocksEventStore::Impl::HeadOf(const std::string& stream, GroupState& state) {
  if (auto it = state.heads.find(stream); it != state.heads.end()) return it->second;
  if (auto it = heads_.find(stream); it != heads_.end()) return it->second;
  if (auto it = older_heads_.find(stream); it != older_heads_.end()) {
    StreamVersion version = it->second;
    RememberHead(stream, version);  // still in use: keep it in the young half
    return version;
  }
  auto loaded = LoadHead(stream);
  if (loaded) RememberHead(stream, *loaded);
  return loaded;
}

// Two generations: when the young one is full it becomes the old one, and
// the old one is dropped. Streams in use stay cached; one not touched for a
// whole generation is read back from the stream index when it comes back.
// Bounded at 2 * head_cache_entries whatever the number of streams.
void RocksEventStore::Impl::RememberHead(const std::string& stream, StreamVersion version) {
  heads_.insert_or_assign(stream, version);
  if (heads_.size() >= options_.head_cache_entries) {
    older_heads_ = std::move(heads_);
    heads_ = {};
  }
}

// The highest version in the stream index, by forward seeks only: the
// streams family's hash-skiplist memtable cannot iterate backwards, so a
// SeekForPrev misses whatever is not flushed yet. Galloping keeps it at
// O(log versions) seeks for a hot stream.
Result<StreamVersion> RocksEventStore::Impl::LoadHead(const std::string& stream) {
  std::uint64_t hash = StreamHash(stream);
  std::string prefix = StreamIndexKey(hash, 0).substr(0, 8);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams()));
  // The first version >= v in the index, or 0 when there is none.
  auto first_from = [&](StreamVersion v) -> Result<StreamVersion> {
    it->Seek(StreamIndexKey(hash, v));
    if (!it->Valid()) {
      if (!it->status().ok()) return Fail(FromStatus(it->status(), "load head"));
      return StreamVersion{0};
    }
    if (!it->key().starts_with(prefix)) return StreamVersion{0};
    if (it->value().size() != 8 || it->key().size() != 16) return Fail(StoreErrc::kCorruption, "stream index entry");
    return DecodeFixed64BE(it->key().data() + 8);
  };
  auto head = first_from(1);
  if (!head || *head == 0) return head;
  for (StreamVersion step = 1;;) {
    auto next = first_from(*head + step);
    if (!next) return next;
    if (*next != 0) {
      head = next;
      step *= 2;
    } else if (step == 1) {
      break;
    } else {
      step /= 2;
    }
  }
  if (auto again = first_from(*head); !again) return again;  // back on the head's entry: is it this stream's?
  auto event = ReadAt(DecodeFixed64BE(it->value().data()));
  if (!event) return Fail(event.error());
  if (event->stream == stream) return *head;
  return Fail(StoreErrc::kCorruption, "stream index: " + stream + " shares its hash with " + event->stream);
}

}  // namespace eventmart
