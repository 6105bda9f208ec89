// eventstore/codec.h
// Domain events to stored records and back. Bodies are cereal portable
// binary, written field by field from each event's Fields() list. Decoding
// checks the type name and schema version first, then bounds-checks every
// length, so corrupt bytes give kCorruption and never a crash.
#pragma once

#include <string>
#include <string_view>

#include "domain/events.h"
#include "eventstore/event_store.h"

namespace eventmart {

struct EventMeta {
  EventId id{};
  std::int64_t occurred_at_ms = 0;
  std::string correlation_id;
  std::string causation_id;
};

std::string_view TypeOf(const DomainEvent& event);

[[nodiscard]] EventRecord EncodeEvent(const DomainEvent& event, EventMeta meta);

[[nodiscard]] Result<DomainEvent> DecodeEvent(std::string_view type, std::uint32_t schema_version,
                                              std::string_view body);

[[nodiscard]] inline Result<DomainEvent> DecodeEvent(const RecordedEventView& view) {
  return DecodeEvent(view.type, view.schema_version, view.body);
}

}  // namespace eventmart
