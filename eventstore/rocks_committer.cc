// RocksEventStore's appends: one committer thread takes every append
// waiting in the queue, checks versions against in-memory stream heads,
// writes one WriteBatch and syncs it once, then publishes the new head
// position and runs the callbacks (group commit).
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>

#include "eventstore/coding.h"
#include "eventstore/envelope.h"
#include "eventstore/rocks_event_store_impl.h"
#include "eventstore/store_errors.h"

namespace eventmart {

using namespace rocks_internal;

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

void RocksEventStore::Impl::CommitterLoop() {
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

void RocksEventStore::Impl::CommitGroup(std::vector<PendingAppend>& group) {
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

Result<StreamVersion> RocksEventStore::Impl::HeadOf(const std::string& stream, GroupState& state) {
  if (auto it = state.heads.find(stream); it != state.heads.end()) return it->second;
  if (auto it = heads_.find(stream); it != heads_.end()) return it->second;
  auto loaded = LoadHead(stream);
  if (loaded) heads_.emplace(stream, *loaded);
  return loaded;
}

Result<StreamVersion> RocksEventStore::Impl::LoadHead(const std::string& stream) {
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

}  // namespace eventmart
