// eventstore/scan_events.h
// The one loop over the log that hands out domain events: every reader of
// the log that wants decoded events (projector, bulk rebuild, relay,
// decider start, verify, bench) goes through ScanEvents, so the error path
// is written once.
//
//   auto scanned = ScanEvents(log, {.from = 1},
//       [&](std::string_view type) { return projection.Wants(type); },
//       [&](const RecordedEventView& view, const DomainEvent& event) -> Result<ScanStep> {
//         ...
//         return ScanStep::kContinue;
//       });
//
// For each event in position order:
//   1. `wants(view.type)` (or `wants(view)`, if it takes the view) decides
//      whether the event is decoded at all; unwanted events cost no decode.
//   2. The body is decoded (DecodeEvent). An event this build cannot decode
//      goes to `on_undecodable(view, cause)`; by default that stops the scan
//      with UndecodableEvent(view, cause), an error naming its position and
//      stream. Tolerant readers (verify, bench) pass their own policy.
//   3. `visit(view, event)` answers ScanStep or an error; an error stops the
//      scan and ScanEvents returns it unchanged. `event` is a DomainEvent&
//      that visit may take const or move from (it is not used afterwards).
// Returns what Scan returns: the number of events read (wanted or not).
//
// Header-only on purpose: the callbacks inline into the one std::function
// call per event that Scan makes, with no allocation of its own (the bulk
// rebuild's speed depends on it).
#pragma once

#include <string_view>
#include <type_traits>
#include <utility>

#include "eventstore/codec.h"
#include "eventstore/event_store.h"

namespace eventmart {

// `cause` (a DecodeEvent error) with the event's place in the log: same
// code, detail "position P (stream S): <cause's detail>".
[[nodiscard]] Error UndecodableEvent(const RecordedEventView& view, const Error& cause);

// The default policy: an undecodable event stops the scan.
struct StopOnUndecodable {
  Result<ScanStep> operator()(const RecordedEventView& view, const Error& cause) const {
    return Fail(UndecodableEvent(view, cause));
  }
};

// A `wants` for readers that decode every event.
inline bool EveryEvent(std::string_view) { return true; }

template <class Wants, class Visit, class OnUndecodable = StopOnUndecodable>
[[nodiscard]] Result<std::size_t> ScanEvents(const EventStore& log, const ScanOptions& options, Wants&& wants,
                                             Visit&& visit, OnUndecodable&& on_undecodable = {}) {
  return log.Scan(options, [&](const RecordedEventView& view) -> Result<ScanStep> {
    bool wanted;
    if constexpr (std::is_invocable_v<Wants&, const RecordedEventView&>) {
      wanted = wants(view);
    } else {
      wanted = wants(view.type);
    }
    if (!wanted) return ScanStep::kContinue;  // not even decoded
    auto event = DecodeEvent(view);
    if (!event) return on_undecodable(view, event.error());
    return visit(view, *event);
  });
}

}  // namespace eventmart
