// eventstore/event_json.h
// Events as JSON: the one shape `replay` prints and the Kafka feed carries.
//   {"eventId","stream","version","position","type","occurredAt","data"}
// ("correlationId"/"causationId" are added when present.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "eventstore/event_store.h"

namespace eventmart {

// The envelope plus `data` (`event` must be the decoded body of `view`),
// appended to *out as one line (no newline) without building a document:
// this is what `replay` and the Kafka relay write, at millions of events
// per second.
void AppendEventJson(const RecordedEventView& view, const DomainEvent& event, std::string* out);
void AppendEventDataJson(const DomainEvent& event, std::string* out);

// The inverse of AppendEventJson: one feed line back into a stored event
// (the body re-encoded with the binary codec at the type's current schema
// version). kCorruption, with what is wrong, for anything that is not an
// event line; never throws.
[[nodiscard]] Result<RecordedEvent> ParseEventJson(std::string_view line);
[[nodiscard]] std::optional<EventId> ParseEventId(std::string_view text);

// Appends `text` as a JSON string literal (quotes and escapes included).
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace eventmart
