// eventstore/event_json.h
// Events as JSON: the one shape `replay` prints and the Kafka feed carries.
//   {"eventId","stream","version","position","type","occurredAt","data"}
// ("correlationId"/"causationId" are added when present.)
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "domain/events.h"
#include "eventstore/event_store.h"

namespace eventmart {

nlohmann::json EventDataJson(const DomainEvent& event);

// The envelope plus `data`; `event` must be the decoded body of `view`.
nlohmann::json EventEnvelopeJson(const RecordedEventView& view, const DomainEvent& event);

// The same JSON, appended to *out as one line (no newline) without building
// a document: this is what `replay` and the Kafka relay write, at millions
// of events per second.
void AppendEventJson(const RecordedEventView& view, const DomainEvent& event, std::string* out);
void AppendEventDataJson(const DomainEvent& event, std::string* out);

// Appends `text` as a JSON string literal (quotes and escapes included).
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace eventmart
