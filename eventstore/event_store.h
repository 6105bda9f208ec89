// eventstore/event_store.h
// An append-only log of events, partitioned into streams (one per aggregate),
// with a global position 1, 2, 3, ... that never has gaps.
//
// Thread safety: every method may be called from any thread. Appends from
// concurrent callers are grouped: one RocksDB write and one fsync serve every
// append waiting at that moment (group commit). An append's callback runs
// only after its events are durable, on the store's committer thread; keep
// callbacks short (post the work elsewhere).
//
// Errors: appends fail as a whole (nothing of a failed append is written).
// StoreErrc::kVersionConflict names the stream in Error::detail.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace eventmart {

using GlobalPosition = std::uint64_t;  // 0 = before the first event
using StreamVersion = std::uint64_t;   // 0 = the stream does not exist yet

using EventId = std::array<std::uint8_t, 16>;
std::string FormatEventId(const EventId& id);  // 8-4-4-4-12 lowercase hex
void AppendEventId(const EventId& id, std::string* out);
EventId NewEventId(std::int64_t now_ms);       // time-ordered, random tail (UUIDv7 layout)

// What an append expects a stream's version to be.
class ExpectedVersion {
 public:
  static ExpectedVersion Any() { return ExpectedVersion(kAny); }
  static ExpectedVersion NoStream() { return ExpectedVersion(0); }
  static ExpectedVersion Exactly(StreamVersion v) { return ExpectedVersion(v); }

  bool is_any() const { return value_ == kAny; }
  StreamVersion value() const { return value_; }
  bool Matches(StreamVersion current) const { return is_any() || current == value_; }

 private:
  static constexpr StreamVersion kAny = ~StreamVersion{0};
  explicit ExpectedVersion(StreamVersion v) : value_(v) {}
  StreamVersion value_;
};

// An event as the caller hands it over: everything but the stream, version
// and position, which the store assigns.
struct EventRecord {
  EventId id{};
  std::string type;
  std::uint32_t schema_version = 1;
  std::int64_t occurred_at_ms = 0;
  std::string correlation_id;
  std::string causation_id;
  std::string body;  // cereal-encoded (eventstore/codec.h)
};

// An event as stored.
struct RecordedEvent {
  std::string stream;
  StreamVersion version = 0;
  GlobalPosition position = 0;
  EventRecord record;
};

// A zero-copy view of a stored event, valid only inside a Scan callback.
struct RecordedEventView {
  std::string_view stream;
  StreamVersion version = 0;
  GlobalPosition position = 0;
  EventId id{};
  std::string_view type;
  std::uint32_t schema_version = 0;
  std::int64_t occurred_at_ms = 0;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::string_view body;

  RecordedEvent ToOwned() const;
};

struct StreamAppend {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<EventRecord> events;
};

// One atomic append to one or more streams. A non-empty command_id makes it
// idempotent: a repeat returns the first result (duplicate = true) and
// writes nothing, also after a restart. command_payload is stored with the
// id and handed back on repeats (the HTTP layer keeps its response there).
// An append with no events but a command id just records the id.
struct AppendRequest {
  std::vector<StreamAppend> streams;
  std::string command_id;
  std::string command_payload;
};

struct AppendResult {
  GlobalPosition first_position = 0;  // 0 when nothing was appended
  GlobalPosition last_position = 0;
  std::vector<StreamVersion> versions;  // each stream's version after the append
  bool duplicate = false;
  std::string command_payload;
};

using AppendCallback = std::function<void(Result<AppendResult>)>;

// Which events Scan visits.
struct ScanOptions {
  GlobalPosition from = 1;                           // inclusive
  GlobalPosition to = ~GlobalPosition{0};            // inclusive
  std::size_t limit = ~std::size_t{0};
};

// What a Scan visitor answers: go on, or stop here (the event it was given
// counts as visited). An error also stops the scan, and Scan returns it as-is.
enum class ScanStep { kContinue, kStop };
using ScanVisitor = std::function<Result<ScanStep>(const RecordedEventView&)>;

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends asynchronously; `done` runs once the outcome is durable.
  virtual void AppendAsync(AppendRequest request, AppendCallback done) = 0;

  // Blocking convenience over AppendAsync.
  [[nodiscard]] Result<AppendResult> Append(AppendRequest request);

  // Events of `stream` with version >= from, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<RecordedEvent>> ReadStream(
      std::string_view stream, StreamVersion from, std::size_t limit) const = 0;

  // Visits events in position order and returns how many it visited.
  // `visit` answers ScanStep::kStop to stop, or an error, which stops the
  // scan and is returned unchanged. Fails with kCorruption on an envelope it
  // cannot decode (nothing after it is visited). To decode domain events,
  // use ScanEvents (eventstore/scan_events.h).
  [[nodiscard]] virtual Result<std::size_t> Scan(const ScanOptions& options,
                                                 const ScanVisitor& visit) const = 0;

  // Owning batch read of the whole log from a position.
  [[nodiscard]] Result<std::vector<RecordedEvent>> ReadAll(GlobalPosition from,
                                                           std::size_t limit) const;
  // Owning batch read of one category ("account" for account-*), from a position.
  [[nodiscard]] Result<std::vector<RecordedEvent>> ReadCategory(std::string_view category,
                                                                GlobalPosition from,
                                                                std::size_t limit) const;

  // The position of the last durable event.
  virtual GlobalPosition LastPosition() const = 0;

  // Blocks until LastPosition() >= position or the timeout passes; true if reached.
  // Readers are woken by the committer, not by polling.
  virtual bool WaitForPosition(GlobalPosition position, std::chrono::milliseconds timeout) const = 0;

  // The stored result of an earlier append with this command id, if any.
  [[nodiscard]] virtual Result<std::optional<AppendResult>> FindCommand(
      std::string_view command_id) const = 0;
};

}  // namespace eventmart
