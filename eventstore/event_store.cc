#include "eventstore/event_store.h"

#include <chrono>
#include <cstdio>
#include <future>
#include <random>

#include "domain/ids.h"

namespace eventmart {

void AppendEventId(const EventId& id, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[36];
  char* p = buf;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = kHex[id[i] >> 4];
    *p++ = kHex[id[i] & 0xF];
  }
  out->append(buf, sizeof buf);
}

std::string FormatEventId(const EventId& id) {
  std::string out;
  AppendEventId(id, &out);
  return out;
}

EventId NewEventId(std::int64_t now_ms) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  EventId id{};
  auto ms = static_cast<std::uint64_t>(now_ms);
  for (int i = 0; i < 6; ++i) id[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  std::uint64_t a = rng(), b = rng();
  for (int i = 0; i < 8; ++i) id[6 + i] = static_cast<std::uint8_t>(a >> (8 * i));
  for (int i = 0; i < 2; ++i) id[14 + i] = static_cast<std::uint8_t>(b >> (8 * i));
  id[6] = static_cast<std::uint8_t>(0x70 | (id[6] & 0x0F));  // version 7
  id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3F));  // RFC 4122 variant
  return id;
}

RecordedEvent RecordedEventView::ToOwned() const {
  RecordedEvent e;
  e.stream = std::string(stream);
  e.version = version;
  e.position = position;
  e.record.id = id;
  e.record.type = std::string(type);
  e.record.schema_version = schema_version;
  e.record.occurred_at_ms = occurred_at_ms;
  e.record.correlation_id = std::string(correlation_id);
  e.record.causation_id = std::string(causation_id);
  e.record.body = std::string(body);
  return e;
}

Result<AppendResult> EventStore::Append(AppendRequest request) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(request),
              [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<RecordedEvent>> EventStore::ReadAll(GlobalPosition from,
                                                       std::size_t limit) const {
  std::vector<RecordedEvent> out;
  auto scanned = Scan({.from = from, .limit = limit}, [&](const RecordedEventView& e) {
    out.push_back(e.ToOwned());
    return ScanStep::kContinue;
  });
  if (!scanned) return Fail(scanned.error());
  return out;
}

Result<std::vector<RecordedEvent>> EventStore::ReadCategory(std::string_view category,
                                                            GlobalPosition from,
                                                            std::size_t limit) const {
  std::vector<RecordedEvent> out;
  auto scanned = Scan({.from = from}, [&](const RecordedEventView& e) -> Result<ScanStep> {
    if (CategoryOf(e.stream) == category) out.push_back(e.ToOwned());
    return out.size() < limit ? ScanStep::kContinue : ScanStep::kStop;
  });
  if (!scanned) return Fail(scanned.error());
  return out;
}

}  // namespace eventmart
