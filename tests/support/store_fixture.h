// tests/support/store_fixture.h
// Helpers for tests that need a real store in a fresh temporary folder.
#pragma once

#include <string>

#include "eventstore/event_store.h"
#include "tests/support/process.h"

namespace eventmart::testing {

inline EventRecord MakeRecord(std::string body, std::string type = "test.Happened") {
  return EventRecord{.id = NewEventId(1), .type = std::move(type), .schema_version = 1,
                     .occurred_at_ms = 1, .correlation_id = {}, .causation_id = {}, .body = std::move(body)};
}

inline AppendRequest OneStream(std::string stream, ExpectedVersion expected, std::vector<std::string> bodies) {
  StreamAppend append{.stream = std::move(stream), .expected = expected, .events = {}};
  for (auto& b : bodies) append.events.push_back(MakeRecord(std::move(b)));
  AppendRequest request;
  request.streams.push_back(std::move(append));
  return request;
}

// A charge of account-1 appended under `command_id`, with `payload` stored
// as the command's answer.
inline AppendRequest OneCommand(std::string command_id, std::string payload = {}) {
  auto request = OneStream("account-1", ExpectedVersion::Any(), {"charged"});
  request.command_id = std::move(command_id);
  request.command_payload = std::move(payload);
  return request;
}

}  // namespace eventmart::testing
